#!/usr/bin/env python3
# A dlfs step and the book's NumPy step, timed in turns: NumPy for SECONDS,
# then dlfs (bench/side_by_side.ts, waiting on its stdin meanwhile) for
# SECONDS, ROUNDS times, so that both see the same machine (whose speed here
# changes by 1.5-2x from one few seconds to the next). Prints each round's
# medians and their ratio, then the median, least and greatest of the ratios.
#   usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
#          python3 bench/side_by_side.py BOOK_DIR MNIST_DIR mnist|deep \
#          float64|float32 1|2 [ROUNDS [SECONDS]]
#   BOOK_DIR: the book's code (github.com/oreilly-japan/deep-learning-from-scratch:
#   ch05, ch08, common); MNIST_DIR: the four raw IDX files (e.g.
#   ~/.cache/dlfs/mnist after one `deno task train`), read by both sides.
#   float64|float32 and 1|2: dlfs's element type and threads; NumPy runs the
#   book's code as it is (float64 weights, images float32 as
#   ../shared/numpy_anchor.py loads them) on one BLAS thread (the env -u …
#   part: OpenBLAS's own settings unset). ROUNDS: default 8; SECONDS: default
#   1 (mnist) or 4 (deep). The steps: TwoLayerNet(784, 50, 10) gradient + SGD
#   lr 0.1 on a batch of 100 drawn and gathered every step, on both sides;
#   DeepConvNet gradient + Adam(lr 0.001), batch 100, NumPy drawing a batch
#   every step, dlfs cycling four drawn once (bench/convnet_bench.ts's rows;
#   the draw is under 1 ms of NumPy's ~800).
import os, subprocess, statistics as st, sys, time
import numpy as np

USAGE = "BOOK_DIR MNIST_DIR mnist|deep float64|float32 1|2 [ROUNDS [SECONDS]]"
def refuse(what, found):
    sys.exit(f"side_by_side.py: expected {what} but found {found}")
if not 6 <= len(sys.argv) <= 8:
    refuse(USAGE, " ".join(sys.argv[1:]) or "no arguments")
book, mnist, what, dtype, threads = sys.argv[1:6]
if what not in ("mnist", "deep"): refuse("mnist or deep", repr(what))
if dtype not in ("float64", "float32"): refuse("float64 or float32", repr(dtype))
if threads not in ("1", "2"): refuse("threads 1 or 2", repr(threads))
try:
    rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 8
    seconds = float(sys.argv[7]) if len(sys.argv) > 7 else (1.0 if what == "mnist" else 4.0)
except ValueError:
    refuse("ROUNDS an integer and SECONDS a number", " ".join(sys.argv[6:]))
if rounds < 1 or not seconds > 0: refuse("ROUNDS ≥ 1 and SECONDS > 0", f"{rounds} and {seconds}")
if not os.path.isfile(os.path.join(book, "ch05", "two_layer_net.py")):
    refuse("BOOK_DIR with the book's ch05/two_layer_net.py", repr(book))
for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
    if not os.path.isfile(os.path.join(mnist, name)):
        refuse(f"MNIST_DIR with {name}", repr(mnist))
# dlfs first: it loads while NumPy does
here = os.path.dirname(os.path.abspath(__file__))
deno = subprocess.Popen(
    ["deno", "run", "-A", os.path.join(here, "side_by_side.ts"), what, dtype, threads],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    env={**os.environ, "MNIST_DIR": os.path.abspath(mnist)})

sys.path[:0] = [book, os.path.join(book, "ch05"), os.path.join(book, "ch08")]
img = np.fromfile(f"{mnist}/train-images-idx3-ubyte", np.uint8, offset=16).astype(np.float32) / 255.0
lab = np.fromfile(f"{mnist}/train-labels-idx1-ubyte", np.uint8, offset=8).astype(np.int64)
np.random.seed(0)
if what == "mnist":
    from two_layer_net import TwoLayerNet
    x = img.reshape(-1, 784); t = np.eye(10)[lab]
    net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    def step():
        m = np.random.choice(60000, 100); g = net.gradient(x[m], t[m])
        for k in ("W1", "b1", "W2", "b2"): net.params[k] -= 0.1 * g[k]
else:
    from common.optimizer import Adam
    from deep_convnet import DeepConvNet
    x = img.reshape(-1, 1, 28, 28)
    net = DeepConvNet(); opt = Adam(lr=0.001)
    def step():
        m = np.random.choice(60000, 100); opt.update(net.params, net.gradient(x[m], lab[m]))

def dlfs(s):
    try:
        deno.stdin.write(f"run {s}\n"); deno.stdin.flush()
        reply = deno.stdout.readline().split()
    except BrokenPipeError:
        reply = []
    if not reply or reply[0] != "ok":
        refuse("'ok MEDIAN COUNT' from side_by_side.ts", f"{reply} (its exit code {deno.poll()}; its error above)")
    return float(reply[1]), int(reply[2])

def numpy(s):
    times, end = [], time.perf_counter() + s
    while time.perf_counter() < end or not times:
        a = time.perf_counter(); step(); times.append(time.perf_counter() - a)
    return st.median(times) * 1e3, len(times)

numpy(seconds); dlfs(seconds)  # warm-up, not counted
ratios = []
print(f"{what}: dlfs {dtype} on {threads} thread(s) against the book's NumPy code; median ms of a step, {seconds} s each in turn")
for r in range(rounds):
    (n_ms, n_count), (d_ms, d_count) = numpy(seconds), dlfs(seconds)
    ratios.append(d_ms / n_ms)
    print(f"round {r + 1}: NumPy {n_ms:8.3f} ms ({n_count}), dlfs {d_ms:8.3f} ms ({d_count}), ratio {d_ms / n_ms:.3f}")
deno.stdin.write("end\n"); deno.stdin.flush(); deno.wait()
print(f"ratio dlfs / NumPy: median {st.median(ratios):.3f}, least {min(ratios):.3f}, greatest {max(ratios):.3f}")
