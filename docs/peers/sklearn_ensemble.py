#!/usr/bin/env python3
"""scikit-learn's ensembles on dlpipe's packed splits, beside dlpipe's ensemble stage (docs/ensemble-bench.sh): the
same train / validation / test rows read from the pack's Parquet shards (features: float32 bytes, little-endian),
then what a scikit-learn user would fit: LogisticRegression, RandomForestClassifier (50 trees, depth 10, as
ensemble.trees / max-depth), HistGradientBoostingClassifier (20 rounds, depth 5), their soft vote, and stacking with
a LogisticRegression fitted on the validation split's probabilities (as dlpipe's; without a validation split,
skipped). Needs numpy, pyarrow and scikit-learn (the pip mirror has them; the product does not use them).
Usage: sklearn_ensemble.py PACK_DIR"""
import glob
import os
import sys
import time
import warnings

import numpy as np
import pyarrow.parquet as pq
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss


def split(pack, name):
    files = sorted(glob.glob(os.path.join(pack, name, "*.parquet")))
    if not files:
        return None, None
    xs, ys = [], []
    for f in files:
        t = pq.read_table(f, columns=["label", "features"])
        xs.extend(np.frombuffer(b, dtype="<f4") for b in t.column("features").to_pylist())
        ys.extend(t.column("label").to_pylist())
    return np.stack(xs), np.array(ys)


def main():
    warnings.filterwarnings("ignore", category=UserWarning)  # float32 rows summing to 1 +- 1e-7 are probabilities
    pack = sys.argv[1]
    x, y = split(pack, "train")
    xv, yv = split(pack, "validation")
    xt, yt = split(pack, "test")
    classes = np.arange(int(pq.read_schema(sorted(glob.glob(os.path.join(pack, "train", "*.parquet")))[0])
                            .metadata[b"dlpipe.num_classes"]))
    print("   scikit-learn peers on the same pack: %d train, %d validation, %d test rows"
          % (len(y), 0 if yv is None else len(yv), len(yt)))
    models = {
        "LogisticRegression": LogisticRegression(max_iter=1000),
        "RandomForest(50, depth 10)": RandomForestClassifier(50, max_depth=10, random_state=0, n_jobs=2),
        "HistGradientBoosting(20, depth 5)": HistGradientBoostingClassifier(max_iter=20, max_depth=5, random_state=0),
    }
    test_p, val_p = [], []
    for name, m in models.items():
        t0 = time.time()
        m.fit(x, y)
        p = full(m, xt, classes)
        test_p.append(p)
        if xv is not None:
            val_p.append(full(m, xv, classes))
        report(name + " (%.0f s)" % (time.time() - t0), p, yt, classes)
    report("soft vote of the three", np.mean(test_p, axis=0), yt, classes)
    if xv is not None:
        meta = LogisticRegression(max_iter=1000).fit(np.hstack(val_p), yv)
        report("stacking (LogisticRegression on validation)", full(meta, np.hstack(test_p), classes), yt, classes)


def full(model, x, classes):
    """predict_proba with a column for every class, also one the model never saw."""
    p = np.zeros((len(x), len(classes)))
    p[:, model.classes_] = model.predict_proba(x)
    return p


def report(name, p, y, classes):
    p = p / p.sum(axis=1, keepdims=True)
    print("   %-52s accuracy %.4f  log loss %.4f" % (name, accuracy_score(y, p.argmax(1)),
                                                   log_loss(y, np.clip(p, 1e-15, 1), labels=classes)))


if __name__ == "__main__":
    main()
