#!/usr/bin/python3
"""scikit-learn peers on a CSV, on exactly the split dlpipe used, as a pandas/scikit-learn user would fit them:
numeric columns median-imputed and standardized, text columns one-hot encoded (most frequent value imputed),
LogisticRegression and MLPClassifier(256, 256). Prints one JSON object.
Debian: apt-get install python3-sklearn.
Usage: docs/peers/sklearn_csv.py CSV LABEL_COLUMN SPLIT [--drop COLUMN ...]
SPLIT is either column:NAME (the CSV's own split column) or a CSV with columns id,split (written by
`./run bench models` from dlpipe's clean output), matched by the CSV's id column."""
import csv
import json
import sys

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def number(v):
    try:
        f = float(v)
        return f if np.isfinite(f) else None
    except ValueError:
        return None


def main():
    path, label, split_csv = sys.argv[1], sys.argv[2], sys.argv[3]
    drop = set(sys.argv[sys.argv.index("--drop") + 1:]) if "--drop" in sys.argv else set()
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if None not in r.values() and None not in r]  # short rows: dlpipe quarantines them
        header = reader.fieldnames
    if split_csv.startswith("column:"):
        column = split_csv[len("column:"):]
        drop.add(column)
        split = {"row:%d" % i: r[column] for i, r in enumerate(rows)}
        key = None
    else:
        with open(split_csv, newline="") as f:
            split = {r["id"]: r["split"] for r in csv.DictReader(f)}
        key = "id"
    features = [c for c in header if c not in drop and c != label and c != key]
    numeric = [c for c in features if all(number(r[c]) is not None for r in rows if r[c] not in ("", None))]
    categorical = [c for c in features if c not in numeric]
    kept = [(i, r) for i, r in enumerate(rows) if split.get(r[key] if key else "row:%d" % i) in ("train", "test")]
    x = [[number(r[c]) if r[c] != "" else np.nan for c in numeric] + [r[c] or "" for c in categorical]
         for _, r in kept]
    x = np.array(x, dtype=object)
    y = np.array([r[label] for _, r in kept])
    test = np.array([split[r[key] if key else "row:%d" % i] == "test" for i, r in kept])
    n = len(numeric)
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(range(n))),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
         list(range(n, n + len(categorical))))])
    out = {"csv": path, "train_rows": int((~test).sum()), "test_rows": int(test.sum()),
           "numeric_columns": len(numeric), "categorical_columns": len(categorical)}
    for name, model in (("LogisticRegression", LogisticRegression(max_iter=5000)),
                        ("MLPClassifier(256, 256)", MLPClassifier((256, 256), max_iter=500, random_state=0))):
        fitted = make_pipeline(prep, model).fit(x[~test], y[~test])
        out[name] = round(float((fitted.predict(x[test]) == y[test]).mean()), 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
