# The book's dataset.mnist.load_mnist (oreilly-japan/deep-learning-from-scratch), reading the
# four raw IDX files from $MNIST_DIR instead of its pickle: the same arrays (float32 images
# divided by 255 when normalize, float64 one-hot labels when one_hot_label). For running the
# book's scripts as they are, e.g. the README's memory figure:
#   cd ../shared/book/ch05 && MNIST_DIR=~/.cache/dlfs/mnist \
#     PYTHONPATH=<dlfs>/bench/book_dataset /usr/bin/time -v python3 train_neuralnet.py
import os
import numpy as np

def _load(name, offset):
    return np.fromfile(os.path.join(os.environ["MNIST_DIR"], name), np.uint8, offset=offset)

def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    d = {
        "train_img": _load("train-images-idx3-ubyte", 16).reshape(-1, 784),
        "train_label": _load("train-labels-idx1-ubyte", 8),
        "test_img": _load("t10k-images-idx3-ubyte", 16).reshape(-1, 784),
        "test_label": _load("t10k-labels-idx1-ubyte", 8),
    }
    if normalize:
        for key in ("train_img", "test_img"):
            d[key] = d[key].astype(np.float32)
            d[key] /= 255.0
    if one_hot_label:
        for key in ("train_label", "test_label"):
            t = np.zeros((d[key].size, 10))
            t[np.arange(d[key].size), d[key]] = 1
            d[key] = t
    if not flatten:
        for key in ("train_img", "test_img"):
            d[key] = d[key].reshape(-1, 1, 28, 28)
    return (d["train_img"], d["train_label"]), (d["test_img"], d["test_label"])
