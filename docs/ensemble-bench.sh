#!/usr/bin/env bash
# Ensembles against their best single member and the train stage's own model, on the sample images (the quickstart
# pipeline) and on a real table (scikit-learn's breast cancer, pipelines/table.yaml), in one run (docs/benchmarks.md):
#   ./run pipeline run FILE --set pipeline.stages=clean,augment,pack,train,ensemble
# with three bagged networks and every MLlib member (lr, rf, gbt); on the images also the networks without bootstrap
# (all rows, seeds only), and compress distilling that ensemble into the default MLP student. Prints each
# ensemble-report.md (every member, every combination, the exported one) beside train's test accuracy, and, where
# DLPIPE_PEER_PYTHON names a Python with onnxruntime (the newest from the pip mirror), runs each model.onnx there,
# and with scikit-learn and pyarrow, fits scikit-learn's ensembles on the same packed rows (docs/peers/).
# Usage: docs/ensemble-bench.sh [--set key=value ...]      Writes target/ensemble-bench/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="$PWD/target/ensemble-bench"
rm -rf "$work"
mkdir -p "$work"
DLPIPE_NO_BUILD=0 ./run --version >/dev/null   # build the jar first, outside the timings
export DLPIPE_NO_BUILD=1

# model.onnx on the newest ONNX Runtime (Python), where DLPIPE_PEER_PYTHON has it
newest_ort() {
  [ -n "${DLPIPE_PEER_PYTHON:-}" ] || return 0
  "$DLPIPE_PEER_PYTHON" - "$1" <<'PY'
import sys, onnxruntime as ort, numpy as np
s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
i = s.get_inputs()[0]
x = np.random.default_rng(0).random((8, i.shape[1]), dtype=np.float32)
p = s.run(None, {i.name: x})[0]
print(f"   onnxruntime {ort.__version__} (Python) runs {'/'.join(sys.argv[1].split('/')[-3:])}: "
      f"{p.shape}, rows sum to 1 within {np.abs(p.sum(1) - 1).max():.1e}")
PY
}

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
  newest_ort "$work/$label/ensemble/model.onnx"
  if [ -n "${DLPIPE_PEER_PYTHON:-}" ] && "$DLPIPE_PEER_PYTHON" -c "import sklearn, pyarrow" 2>/dev/null; then
    "$DLPIPE_PEER_PYTHON" docs/peers/sklearn_ensemble.py "$work/$label/pack" 2>&1 | grep -v "^ *warn\|Warning"
  else
    echo "   scikit-learn peer skipped: set DLPIPE_PEER_PYTHON to a Python with scikit-learn and pyarrow"
  fi
done

echo "== images, networks without bootstrap: ./run ensemble --set ensemble.bootstrap=false"
start=$(date +%s)
./run ensemble --input "$work/images/pack" --output "$work/images-seeds" --config pipelines/quickstart.yaml \
  --set ensemble.bootstrap=false --set ensemble.mllib=lr,rf,gbt "$@" > "$work/images-seeds.log" 2>&1 \
  || { tail -20 "$work/images-seeds.log"; exit 1; }
echo "   $(( $(date +%s) - start )) s"
cat "$work/images-seeds/ensemble-report.md"
newest_ort "$work/images-seeds/model.onnx"

echo
echo "== compress: the MLP student distilled from that ensemble (compress.distill-teacher), beside hard labels"
./run compress --input "$work/images/train" --input "$work/images/pack" --output "$work/images-distilled" \
  --config pipelines/quickstart.yaml --set compress.distill-teacher="$work/images-seeds" \
  --set compress.distill-epochs=6 "$@" > "$work/images-distilled.log" 2>&1 \
  || { tail -20 "$work/images-distilled.log"; exit 1; }
python3 - "$work/images-distilled/compression-report.json" <<'PY'
import json, sys
for v in json.load(open(sys.argv[1]))["variants"]:
    if v["variant"] in ("fp32", "student, distilled", "student, hard labels only"):
        print(f"   {v['variant']:28s} test accuracy {v['test_accuracy']}  parameters {v['parameters']}"
              + (f"  (teacher {v['teacher']['model'].split('/')[-2]}, test accuracy {v['teacher']['test_accuracy']})"
                 if 'teacher' in v else ""))
PY
