#!/usr/bin/env bash
# Submits the export stage: jobs/export.sh --input COMPRESS_OR_TRAIN_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run export ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" export "$@"
