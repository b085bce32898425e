#!/usr/bin/env bash
# Submits the train stage: jobs/train.sh --input PACK_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run train ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" train "$@"
