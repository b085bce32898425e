#!/usr/bin/env bash
# Submits the compress stage: jobs/compress.sh --input TRAIN_DIR --input PACK_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run compress ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" compress "$@"
