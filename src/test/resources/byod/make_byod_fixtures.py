#!/usr/bin/python3
"""Writes the bring-your-own-data fixtures from public datasets that Debian ships with scikit-learn
(apt-get install python3-sklearn python3-h5py python3-pil), so every input route is tested on data this project
did not generate. Deterministic: rerunning writes the same files. Run from the repository root:

    /usr/bin/python3 src/test/resources/byod/make_byod_fixtures.py

What it writes (all small; the split is a seeded 75/25 per-class shuffle, kept as the user's own split):
  digits-h5/{train,test}/digits.h5   h5py: X (N, 8, 8) uint8 0..16, gzip-chunked; y (N,) int64
  digits-h5-new/new.h5               the test rows again without labels: new data to score
  digits-png/{train,test}/<digit>/   the same digits as 8x8 grayscale PNGs in class folders (values x16), 40
                                     training and 10 test images per class: ImageFolder's layout
  cancer.csv                         breast-cancer table (30 numeric columns, no id column) with a 'split'
                                     column, plus messiness a real export has: blank cells, a few absurd values,
                                     one short row
  wine.csv                           wine table (13 numeric columns, label 0..2), no id, no split column
  licenses.csv                       text: paragraphs of the licenses in Debian's /usr/share/common-licenses
                                     (base-files), labelled by license; columns paragraph, license; no id
  licenses.jsonl                     the same paragraphs as JSON Lines with a "part" split field (train/test),
                                     one line that is not JSON and one paragraph without a license
"""
import csv
import os

import h5py
import numpy as np
from PIL import Image
from sklearn import datasets

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261123


def split(labels, test_fraction=0.25):
    """Per-class shuffle: True for test rows."""
    rng = np.random.default_rng(SEED)
    test = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        rng.shuffle(rows)
        test[rows[: int(round(len(rows) * test_fraction))]] = True
    return test


def digits():
    d = datasets.load_digits()
    x = d.images.astype(np.uint8)  # 0..16
    y = d.target.astype(np.int64)
    test = split(y)
    for name, rows in (("train", ~test), ("test", test)):
        os.makedirs(os.path.join(HERE, "digits-h5", name), exist_ok=True)
        with h5py.File(os.path.join(HERE, "digits-h5", name, "digits.h5"), "w") as f:
            f.create_dataset("X", data=x[rows], chunks=(64, 8, 8), compression="gzip", compression_opts=6)
            f.create_dataset("y", data=y[rows], chunks=(256,), compression="gzip")
    os.makedirs(os.path.join(HERE, "digits-h5-new"), exist_ok=True)
    with h5py.File(os.path.join(HERE, "digits-h5-new", "new.h5"), "w") as f:
        f.create_dataset("X", data=x[test], compression="gzip")


def digits_png():
    d = datasets.load_digits()
    x = np.clip(d.images * 16, 0, 255).astype(np.uint8)
    y = d.target
    for c in range(10):
        rows = np.flatnonzero(y == c)[:50]
        for k, i in enumerate(rows):
            split_dir = "train" if k < 40 else "test"
            out = os.path.join(HERE, "digits-png", split_dir, str(c))
            os.makedirs(out, exist_ok=True)
            Image.fromarray(x[i], mode="L").save(os.path.join(out, "%04d.png" % i), optimize=True)


def cancer():
    d = datasets.load_breast_cancer()
    x, y = d.data, d.target
    test = split(y)
    names = [n.replace(" ", "_") for n in d.feature_names]
    rng = np.random.default_rng(SEED + 1)
    rows = []
    for i in range(len(y)):
        cells = ["%.6g" % v for v in x[i]]
        if rng.random() < 0.03:  # a blank cell, as spreadsheets export a missing measurement
            cells[rng.integers(len(cells))] = ""
        if rng.random() < 0.005:  # a unit slip: a value a thousand times too large
            j = rng.integers(len(cells))
            if cells[j]:
                cells[j] = "%.6g" % (float(cells[j]) * 1000)
        rows.append(cells + ["malignant" if y[i] == 0 else "benign", "test" if test[i] else "train"])
    rows[17] = rows[17][:12]  # one short row: cut off mid-line
    with open(os.path.join(HERE, "cancer.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names + ["diagnosis", "split"])
        w.writerows(rows)


def wine():
    d = datasets.load_wine()
    names = [n.replace("/", "_") for n in d.feature_names]
    with open(os.path.join(HERE, "wine.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names + ["class"])
        for i in range(len(d.target)):
            w.writerow(["%.6g" % v for v in d.data[i]] + [int(d.target[i])])


def licenses():
    rows = []
    for name in ("GPL-3", "Apache-2.0", "MPL-2.0", "LGPL-2.1", "Artistic"):
        with open(os.path.join("/usr/share/common-licenses", name), encoding="utf-8") as f:
            paragraphs = [" ".join(p.split()) for p in f.read().split("\n\n")]
        rows += [(p, name) for p in paragraphs if len(p) > 60][:50]
    rng = np.random.default_rng(SEED + 2)
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    test = split(np.array([r[1] for r in rows]))
    with open(os.path.join(HERE, "licenses.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["paragraph", "license"])
        w.writerows(rows)
    import json
    with open(os.path.join(HERE, "licenses.jsonl"), "w", encoding="utf-8") as f:
        for (text, name), t in zip(rows, test):
            f.write(json.dumps({"paragraph": text, "license": name, "part": "test" if t else "train"}) + "\n")
        f.write("this line is not JSON\n")
        f.write(json.dumps({"paragraph": "A paragraph nobody labelled, long enough to be kept otherwise."}) + "\n")


if __name__ == "__main__":
    digits()
    digits_png()
    cancer()
    wine()
    licenses()
