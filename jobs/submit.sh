#!/usr/bin/env bash
# Submits one dlpipe command as a Spark application: jobs/submit.sh <subcommand> [args...]
#   SPARK_MASTER       where to run (default local[2]; spark://127.0.0.1:7077 for jobs/cluster.sh's cluster)
#   SPARK_SUBMIT_ARGS  extra spark-submit options (--executor-memory 4g --total-executor-cores 4 ...)
#   SPARK_HOME         use that Spark's bin/spark-submit instead of the Maven-resolved launcher
#   DLPIPE_SPARK_PROPERTIES  a Spark properties file to submit with (jobs/cluster.sh env sets it: the auth secret)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dlpipe_ensure_built
# shellcheck disable=SC2086
props=()
if [ -n "${DLPIPE_SPARK_PROPERTIES:-}" ]; then props=(--properties-file "$DLPIPE_SPARK_PROPERTIES"); fi
dlpipe_spark_submit --master "${SPARK_MASTER:-local[2]}" "${props[@]}" ${SPARK_SUBMIT_ARGS:-} \
  --class dev.dlpipe.cli.Main "$JOB_JAR" "$@"
