#!/usr/bin/env python3
"""The PyTorch peer of `./run bench train`: the same MLP, data, batch, optimizer and epochs in a plain loop.

Reads a dlpipe pack output (Parquet tensor shards: id, label, features as float32 bytes; the footer gives the
shape), trains `inputs-hidden x layers-classes` (ReLU, softmax cross-entropy, Adam with L2 added to the gradient,
which is what DL4J's l2 does under Adam) on the train split with a shuffled order per epoch, and prints one JSON
line: samples/s of the median epoch after the first (as the Java benchmark takes it), the epoch times and the
test accuracy. Needs torch and pyarrow (not the product: `./run bench train` runs this only where both import).

    python3 docs/peers/torch_mlp.py --pack target/bench/train-bench/pack --epochs 6 --batch 32 --threads 2
"""
import argparse
import glob
import json
import os
import statistics
import sys
import time


def read_split(pack, split):
    import numpy as np
    import pyarrow.parquet as pq

    files = sorted(glob.glob(os.path.join(pack, split, "**", "*.parquet"), recursive=True))
    if not files:
        sys.exit(f"error: no Parquet shards under {os.path.join(pack, split)}")
    features, labels = [], []
    width = None
    for f in files:
        meta = pq.read_metadata(f).metadata or {}
        shape = meta.get(b"dlpipe.features.shape")
        if shape is None:
            sys.exit(f"error: {f}: not a dlpipe tensor shard (no dlpipe.features.shape in the footer)")
        w = 1
        for d in shape.decode().split(","):
            w *= int(d)
        width = w
        t = pq.read_table(f, columns=["label", "features"])
        labels.append(t.column("label").to_numpy())
        raw = b"".join(v.as_py() for v in t.column("features"))
        features.append(np.frombuffer(raw, dtype="<f4").reshape(-1, w))
    classes = int(pq.read_metadata(files[0]).metadata[b"dlpipe.num_classes"])
    return np.concatenate(features), np.concatenate(labels).astype("int64"), width, classes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pack", required=True, help="a dlpipe pack output directory (train/ and test/ inside)")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--hidden-units", type=int, default=256)
    p.add_argument("--hidden-layers", type=int, default=2)
    p.add_argument("--learning-rate", type=float, default=0.002)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()

    import torch

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y, width, classes = read_split(a.pack, "train")
    tx, ty, _, _ = read_split(a.pack, "test")
    x, y, tx, ty = (torch.from_numpy(v.copy()) for v in (x, y, tx, ty))

    layers, n_in = [], width
    for _ in range(a.hidden_layers):
        layers += [torch.nn.Linear(n_in, a.hidden_units), torch.nn.ReLU()]
        n_in = a.hidden_units
    layers.append(torch.nn.Linear(n_in, classes))
    model = torch.nn.Sequential(*layers)
    # torch's Adam weight_decay adds l2 * w to the gradient before the moments: DL4J's l2 under Adam
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate, weight_decay=a.l2)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(a.seed)

    seconds = []
    for _ in range(a.epochs):
        order = torch.randperm(len(x), generator=g)
        t0 = time.perf_counter()
        model.train()
        for i in range(0, len(x) - a.batch + 1, a.batch):
            idx = order[i:i + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        accuracy = (model(tx).argmax(1) == ty).float().mean().item()
    warm = seconds[1:] if len(seconds) > 1 else seconds
    print(json.dumps({
        "route": f"PyTorch {torch.__version__} plain loop, {a.threads} threads",
        "samples_per_second": round(len(x) / statistics.median(warm)),
        "epoch_seconds": [round(s, 2) for s in seconds],
        "test_accuracy": round(accuracy, 4),
        "train_rows": len(x),
    }))


if __name__ == "__main__":
    main()
