#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript / spark.worker.resource.gpu.discoveryScript):
# prints the GPUs of this node as Spark's ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0","1"]}.
# It lists what nvidia-smi sees; CUDA_VISIBLE_DEVICES, when set, narrows it the way CUDA itself would.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found; this node has no usable NVIDIA driver" >&2
  echo '{"name": "gpu", "addresses": []}'
  exit 0
fi
ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ')
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  ids=$(echo "$ids" | grep -xF -f <(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n') || true)
fi
addresses=$(echo "$ids" | sed '/^$/d' | sed 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
