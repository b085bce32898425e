#!/usr/bin/env bash
# Submits the augment stage: jobs/augment.sh --input CLEAN_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run augment ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" augment "$@"
