# Writes tests/book/deep_convnet.json: what the book's own NumPy DeepConvNet
# (../shared/book/ch08/deep_convnet.py) computes with its 2016 weights
# (examples/ch08/deep_convnet_params_2016.pkl) on the first MNIST test
# images, x = pixels / 255 in float64 as dlfs reads them: the class scores
# in test mode (Dropout scales by 0.5) of the first 5, and the accuracy on
# the first 1000 with all in float64 and with the weights and inputs
# rounded to float16 (the book's half_float_network.py).
#   python3 tests/book/make.py BOOK_DIR MNIST_DIR
import gzip, json, os, sys
import numpy as np

book, mnist = sys.argv[1], sys.argv[2]
sys.path[:0] = [book, os.path.join(book, "ch08")]
from deep_convnet import DeepConvNet

def read(name, offset):
    path = os.path.join(mnist, name)
    raw = open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz").read()
    return np.frombuffer(raw, np.uint8, offset=offset)

here = os.path.dirname(os.path.abspath(__file__))
x = read("t10k-images-idx3-ubyte", 16)[: 1000 * 784].reshape(-1, 1, 28, 28) / 255.0
t = read("t10k-labels-idx1-ubyte", 8)[:1000].astype(np.int64)
net = DeepConvNet()
net.load_params(os.path.join(here, "..", "..", "examples", "ch08", "deep_convnet_params_2016.pkl"))
scores = net.predict(x[:5], train_flg=False)
float64 = net.accuracy(x, t)
x16 = x.astype(np.float16)
for p in net.params.values():
    p[...] = p.astype(np.float16)
float16 = net.accuracy(x16, t)
with open(os.path.join(here, "deep_convnet.json"), "w") as f:
    json.dump({"scores": scores.tolist(), "float64": float64, "float16": float16}, f, indent=1)
    f.write("\n")
