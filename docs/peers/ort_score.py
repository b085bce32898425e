#!/usr/bin/env python3
"""Batch scoring with ONNX Runtime's own Python API: the peer of `score` on Spark (docs/benchmarks.md).

Scores every row of a split of dlpipe tensor shards with an exported ONNX file, `--batch` rows per call, in one
process with `--threads` intra-op threads, and prints one JSON object: rows, seconds (best of --repeats, reading
the shards excluded), rows per second, accuracy. Needs onnxruntime, numpy and pyarrow (a benchmark peer only):

    python3 docs/peers/ort_score.py --model runs/quickstart/export/model.onnx --rows target/bench/score-rows --split test
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_mlp import read_split  # noqa: E402  (the same shard reader as the other peers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--rows", required=True, help="a directory with SPLIT/*.parquet tensor shards")
    p.add_argument("--split", default="test")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=2)
    a = p.parse_args()
    import numpy as np
    import onnxruntime as ort

    x, y, _, _ = read_split(a.rows, a.split)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    session = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    best = None
    correct = 0
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        correct = 0
        for i in range(0, len(x), a.batch):
            probabilities = session.run(None, {name: x[i:i + a.batch]})[0]
            correct += int((probabilities.argmax(1) == y[i:i + a.batch]).sum())
        seconds = time.perf_counter() - t0
        best = seconds if best is None else min(best, seconds)
    print(json.dumps({"peer": f"onnxruntime {ort.__version__} (Python), {a.threads} threads, batch {a.batch}",
                      "rows": int(len(x)), "seconds": round(best, 3), "rows_per_second": round(len(x) / best),
                      "accuracy": round(correct / len(x), 4)}))


if __name__ == "__main__":
    main()
