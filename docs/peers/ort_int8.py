#!/usr/bin/env python3
"""int8 on the ONNX Runtime installed here (the newest release, not the Java binding in the pom), against FP32 and
against ONNX Runtime's own quantize_static of the same FP32 model.

For an export directory (model.onnx, model-int8.onnx) and the pack it was trained on, prints one JSON object:
for each model the operators ONNX Runtime runs after its graph optimizations (so a float FusedGemm where QGemm
was meant shows), the median latency at 1 and 256 rows, the test accuracy and the top-1 agreement with FP32.
Also the CPU flags that decide the integer kernels (avx512_vnni / avx_vnni / amx). Needs onnxruntime, onnx,
numpy and pyarrow (a benchmark peer, never the product):

    python3 docs/peers/ort_int8.py --export runs/quickstart/export --pack runs/quickstart/pack
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_mlp import read_split  # noqa: E402  (the same shard reader as the PyTorch peer)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return sorted(f for f in flags if f in {"avx2", "avx512f", "avx512_vnni", "avx_vnni",
                                                           "amx_int8", "avx512bw"})
    except OSError:
        pass
    return []


def model_name(line):
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def optimized_ops(ort, path, threads):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "optimized.onnx")
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = threads
        so.optimized_model_filepath = out
        ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        import onnx
        return dict(collections.Counter(n.op_type for n in onnx.load(out).graph.node))


def latency_ms(session, name, rows, repeats):
    for _ in range(max(5, repeats // 10)):
        session.run(None, {name: rows})
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        session.run(None, {name: rows})
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 4)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--export", required=True, help="export output: model.onnx and model-int8.onnx")
    p.add_argument("--pack", required=True, help="the pack output the model was trained on")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--calibration-rows", type=int, default=512)
    a = p.parse_args()

    import numpy as np
    import onnxruntime as ort
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_static)

    x_train, _, _, _ = read_split(a.pack, "train")
    x_test, y_test, _, _ = read_split(a.pack, "test")
    fp32 = os.path.join(a.export, "model.onnx")
    models = {"dlpipe fp32 (model.onnx)": fp32,
              "dlpipe int8 (model-int8.onnx)": os.path.join(a.export, "model-int8.onnx")}

    class Reader(CalibrationDataReader):
        def __init__(self):
            rows = x_train[: a.calibration_rows]
            self.it = iter([{"features": rows[i:i + 64]} for i in range(0, len(rows), 64)])

        def get_next(self):
            return next(self.it, None)

    tmp = tempfile.mkdtemp()
    for label, reduce_range in (("quantize_static QDQ u8/s8 per-channel", False),
                                ("quantize_static QDQ u8/s8 per-channel, reduce_range", True)):
        out = os.path.join(tmp, f"ort-{int(reduce_range)}.onnx")
        quantize_static(fp32, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, reduce_range=reduce_range)
        models[f"ONNX Runtime {label}"] = out

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    one = x_test[:1]
    batch = np.resize(x_test, (256, x_test.shape[1])).astype("float32")
    reference = None
    results = []
    for label, path in models.items():
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        probs = s.run(None, {"features": x_test})[0]
        top1 = probs.argmax(1)
        if reference is None:
            reference = top1
        results.append({
            "model": label,
            "bytes": os.path.getsize(path),
            "operators_after_optimization": optimized_ops(ort, path, a.threads),
            "latency_ms_1": latency_ms(s, "features", one, 2000),
            "latency_ms_256": latency_ms(s, "features", batch, 200),
            "test_accuracy": round(float((top1 == y_test).mean()), 4),
            "top1_agreement_with_fp32": round(float((top1 == reference).mean()), 4),
        })
    base = results[0]
    for r in results:
        r["latency_vs_fp32_1"] = round(r["latency_ms_1"] / base["latency_ms_1"], 2)
        r["latency_vs_fp32_256"] = round(r["latency_ms_256"] / base["latency_ms_256"], 2)
    print(json.dumps({"onnxruntime": ort.__version__, "cpu": model_name(None), "cpu_flags": cpu_flags(),
                      "threads": a.threads, "test_rows": int(len(y_test)), "results": results}, indent=1))


if __name__ == "__main__":
    main()
