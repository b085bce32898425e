#!/usr/bin/python3
"""scikit-learn peers on the breast-cancer CSV fixture with its own split column, as a pandas/scikit-learn user
would fit them (median imputation, standardization), beside dlpipe's run of pipelines/table.yaml.
Debian: apt-get install python3-sklearn.  Usage: docs/peers/sklearn_table.py [RUN_DIR]"""
import csv
import json
import os
import sys

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src/test/resources/byod/cancer.csv")


def main():
    with open(CSV, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]  # the short row: dlpipe quarantines it
    n = len(header) - 2
    x = np.array([[float(v) if v else np.nan for v in r[:n]] for r in rows])
    y = np.array([r[n] for r in rows])
    test = np.array([r[n + 1] == "test" for r in rows])
    print("train rows %d, test rows %d (the CSV's own split column)" % ((~test).sum(), test.sum()))
    run = sys.argv[1] if len(sys.argv) > 1 else "runs/table"
    stages = {s["stage"]: s for s in json.load(open(os.path.join(run, "run.json")))["stages"]}
    print("%-42s test accuracy %.4f" % ("dlpipe mlp, fp32 (train stage)", stages["train"]["metrics"]["test_accuracy"]))
    print("%-42s test accuracy %.4f" % ("dlpipe exported model (score stage)", stages["score"]["metrics"]["accuracy"]))
    for name, model in (("scikit-learn LogisticRegression", LogisticRegression(max_iter=5000)),
                        ("scikit-learn MLPClassifier(256, 256)", MLPClassifier((256, 256), max_iter=500, random_state=0))):
        fitted = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), model).fit(x[~test], y[~test])
        print("%-42s test accuracy %.4f" % (name, (fitted.predict(x[test]) == y[test]).mean()))


if __name__ == "__main__":
    main()
