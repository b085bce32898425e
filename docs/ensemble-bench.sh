#!/usr/bin/env bash
# Ensembles against their best single member and the train stage's own model, on the sample images (the quickstart
# pipeline) and on a real table (scikit-learn's breast cancer, pipelines/table.yaml), in one run (docs/benchmarks.md):
#   ./run pipeline run FILE --set pipeline.stages=clean,augment,pack,train,ensemble
# with three bagged networks and every MLlib member (lr, rf, gbt). Prints each ensemble-report.md (every member,
# every combination, the exported one) beside train's test accuracy, and, where DLPIPE_PEER_PYTHON names a Python
# with onnxruntime (the newest from the pip mirror), runs each ensemble's model.onnx there too.
# Usage: docs/ensemble-bench.sh [--set key=value ...]      Writes target/ensemble-bench/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="$PWD/target/ensemble-bench"
rm -rf "$work"
mkdir -p "$work"
DLPIPE_NO_BUILD=0 ./run --version >/dev/null   # build the jar first, outside the timings
export DLPIPE_NO_BUILD=1

for name in images:pipelines/quickstart.yaml table:pipelines/table.yaml; do
  label="${name%%:*}" file="${name#*:}"
  echo "== $label: ./run pipeline run $file --set pipeline.stages=clean,augment,pack,train,ensemble"
  start=$(date +%s)
  ./run pipeline run "$file" --set pipeline.stages=clean,augment,pack,train,ensemble --set ensemble.mllib=lr,rf,gbt \
    --set "run.dir=$work/$label" "$@" > "$work/$label.log" 2>&1 || { tail -20 "$work/$label.log"; exit 1; }
  echo "   $(( $(date +%s) - start )) s; the train stage's model (all training rows, run.seed): test accuracy" \
    "$(python3 -c "import json; print(json.load(open('$work/$label/train/_manifest.json'))['metrics']['test_accuracy'])")"
  cat "$work/$label/ensemble/ensemble-report.md"
  echo
  if [ -n "${DLPIPE_PEER_PYTHON:-}" ]; then
    "$DLPIPE_PEER_PYTHON" - "$work/$label/ensemble/model.onnx" <<'PY'
import sys, onnxruntime as ort, numpy as np
s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
i = s.get_inputs()[0]
x = np.random.default_rng(0).random((8, i.shape[1]), dtype=np.float32)
p = s.run(None, {i.name: x})[0]
print(f"   onnxruntime {ort.__version__} (Python) runs {sys.argv[1].split('/')[-3]}/ensemble/model.onnx: "
      f"{p.shape}, rows sum to 1 within {np.abs(p.sum(1) - 1).max():.1e}")
PY
  fi
done
