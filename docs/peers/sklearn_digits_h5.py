#!/usr/bin/python3
"""scikit-learn peers on exactly the split dlpipe trains on (the h5py digits fixture's train/ and test/ files):
logistic regression and an MLP as a pandas/scikit-learn user would fit them (features standardized), printed beside
the test accuracy of a dlpipe run directory's train and score stages.
Debian: apt-get install python3-sklearn python3-h5py.  Usage: docs/peers/sklearn_digits_h5.py [RUN_DIR]"""
import json
import os
import sys

import h5py
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src/test/resources/byod/digits-h5")


def load(split):
    with h5py.File(os.path.join(DATA, split, "digits.h5"), "r") as f:
        return f["X"][:].reshape(len(f["y"]), -1).astype(np.float32), f["y"][:]


def main():
    x, y = load("train")
    xt, yt = load("test")
    rows = []
    for name, model in (("scikit-learn LogisticRegression", LogisticRegression(max_iter=2000)),
                        ("scikit-learn MLPClassifier(256, 256)", MLPClassifier((256, 256), max_iter=300, random_state=0))):
        model = make_pipeline(StandardScaler(), model).fit(x, y)
        rows.append((name, float((model.predict(xt) == yt).mean())))
    run = sys.argv[1] if len(sys.argv) > 1 else "runs/digits-h5"
    stages = {s["stage"]: s for s in json.load(open(os.path.join(run, "run.json")))["stages"]}
    rows.insert(0, ("dlpipe %s, fp32 (train stage)" % stages["train"]["metrics"]["model"],
                    stages["train"]["metrics"]["test_accuracy"]))
    if "score" in stages:
        rows.insert(1, ("dlpipe exported model (score stage)", stages["score"]["metrics"]["accuracy"]))
    print("train rows %d, test rows %d (the fixture's own split)" % (len(y), len(yt)))
    for name, acc in rows:
        print("%-42s test accuracy %.4f" % (name, acc))


if __name__ == "__main__":
    main()
