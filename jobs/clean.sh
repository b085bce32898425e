#!/usr/bin/env bash
# Submits the clean stage: jobs/clean.sh --input RAW_IMAGES --output DIR [--profile P] [--config F] [--set k=v]
# Same as `./run clean ...`, but through spark-submit (see jobs/submit.sh for SPARK_MASTER and friends).
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" clean "$@"
