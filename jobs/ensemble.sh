#!/usr/bin/env bash
# Submits the ensemble stage: jobs/ensemble.sh --input PACK_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run ensemble ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" ensemble "$@"
