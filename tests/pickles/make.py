# Writes the pickle fixtures of tests/pickle_test.ts into the folder given
# (default: this one): protocol2.pkl … protocol5.pkl, each Python's own
# pickle.dump of one dict of NumPy float arrays (both dtypes, both byte
# orders, C and Fortran order, 0-d and empty), and expected.json, the same
# arrays as NumPy reads them back: shape and row-major values.
#   python3 tests/pickles/make.py [DIR]
import json, os, pickle, sys
import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(22)
arrays = {
    "W": rng.standard_normal((2, 3)),
    "fortran": np.asfortranarray(rng.standard_normal((2, 3, 2))),
    "f4": rng.standard_normal(5).astype("<f4"),
    "big": rng.standard_normal((3, 1)).astype(">f8"),
    "big_f4_fortran": np.asfortranarray(rng.standard_normal((2, 2)).astype(">f4")),
    "scalar": np.array(-0.0),
    "empty": np.zeros((0, 3)),
    "tiny": np.array([5e-324, 1.7976931348623157e308, -1 / 3]),
}
for protocol in (2, 3, 4, 5):
    with open(os.path.join(out, f"protocol{protocol}.pkl"), "wb") as f:
        pickle.dump(arrays, f, protocol=protocol)
expected = {k: {"shape": list(a.shape), "data": a.astype("<f8").ravel(order="C").tolist()}
            for k, a in arrays.items()}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
