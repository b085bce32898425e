#!/usr/bin/python3
"""A client that knows nothing of dlpipe but its export directory: it reads preprocessing.json, applies it
literally to raw inputs, and runs model.onnx with numpy (Debian's python3-onnx parses the graph; its version has no
reference evaluator, so the few operators an MLP export uses are evaluated here). Prints {"ids": [...],
"predicted": [...]} for the tests to compare with dlpipe's own predictions.

  follow_preprocessing.py EXPORT_DIR FILE.h5        tensors: the HDF5 features dataset, ids "FILE.h5#row"
  follow_preprocessing.py EXPORT_DIR FOLDER         images: FOLDER/<label>/<file>, ids "<label>/<file>"
Needs python3-onnx and numpy, plus python3-h5py (tensors) or python3-pil (images)."""
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def run_onnx(path, x):
    model = onnx.load(path)
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = {attr.name: onnx.helper.get_attribute_value(attr) for attr in node.attribute}
        ins = [values[i] for i in node.input if i]
        op = node.op_type
        if op == "Gemm":
            left = ins[0].T if a.get("transA", 0) else ins[0]
            right = ins[1].T if a.get("transB", 0) else ins[1]
            out = a.get("alpha", 1.0) * left @ right
            if len(ins) > 2:
                out = out + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "Softmax":
            z = ins[0] - ins[0].max(axis=a.get("axis", -1), keepdims=True)
            e = np.exp(z)
            out = e / e.sum(axis=a.get("axis", -1), keepdims=True)
        elif op in ("Identity", "Dropout"):
            out = ins[0]
        elif op == "Flatten":
            out = ins[0].reshape(ins[0].shape[0], -1)
        elif op == "Reshape":
            out = ins[0].reshape(ins[1])
        else:
            raise SystemExit("operator %s is not evaluated by this client (an MLP export needs none other)" % op)
        values[node.output[0]] = out.astype(np.float32)
    return values[model.graph.output[0].name]


def tensors(pre, path):
    import h5py
    with h5py.File(path, "r") as f:
        name = next(n for n in ("features", "x", "X", "data", "images", "inputs") if n in f)
        x = f[name][:].astype(np.float32)  # "decode": as stored, cast to float32
    assert list(x.shape[1:]) == pre["shape"][-(x.ndim - 1):] or x[0].size == np.prod(pre["shape"]), x.shape
    ids = ["%s#%d" % (os.path.basename(path), i) for i in range(len(x))]
    return ids, x.reshape(len(x), -1)  # "layout": row-major, flattened


def images(pre, root):
    from PIL import Image
    ids, rows = [], []
    for label in sorted(os.listdir(root)):
        for name in sorted(os.listdir(os.path.join(root, label))):
            try:
                img = Image.open(os.path.join(root, label, name))
                img.load()
            except Exception:
                continue  # dlpipe quarantines what it cannot decode; so does this client
            img = img.convert("L" if pre["channels"] == 1 else "RGB")
            h, w = pre["resize"]
            if img.size != (w, h):
                img = img.resize((w, h), Image.BILINEAR)
            a = np.asarray(img, dtype=np.float32)
            if pre["scale"] == "divide by 255":
                a = a / 255.0
            a = a.reshape(h, w, -1).transpose(2, 0, 1)  # "layout": CHW, flattened
            ids.append(label + "/" + name)
            rows.append(a.reshape(-1))
    return ids, np.stack(rows)


def main():
    export, data = sys.argv[1], sys.argv[2]
    pre = json.load(open(os.path.join(export, "preprocessing.json")))
    ids, x = tensors(pre, data) if pre["input"] == "tensor" else images(pre, data)
    p = run_onnx(os.path.join(export, "model.onnx"), x)
    print(json.dumps({"ids": ids, "predicted": [int(i) for i in p.argmax(axis=1)]}))


if __name__ == "__main__":
    main()
