#!/usr/bin/env bash
# Submits the pack stage: jobs/pack.sh --input AUGMENT_OR_CLEAN_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run pack ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" pack "$@"
