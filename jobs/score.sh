#!/usr/bin/env bash
# Submits the score stage: jobs/score.sh --input EXPORT_DIR --input PACK_DIR --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run score ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" score "$@"
