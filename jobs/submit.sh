#!/usr/bin/env bash
# Submits one dlpipe command as a Spark application: jobs/submit.sh <subcommand> [args...]
#   SPARK_MASTER       where to run (default local[2]; spark://127.0.0.1:7077 for jobs/cluster.sh's cluster)
#   SPARK_SUBMIT_ARGS  extra spark-submit options (--executor-memory 4g --total-executor-cores 4 ...); they win
#   DLPIPE_DRIVER_MEMORY  the driver's heap (default 4g)
#   DLPIPE_PRINT_SUBMIT=1  print the spark-submit arguments, one per line, instead of submitting
#   SPARK_HOME         use that Spark's bin/spark-submit instead of the Maven-resolved launcher
#   DLPIPE_SPARK_PROPERTIES  a Spark properties file to submit with (jobs/cluster.sh env sets it: the auth secret)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dlpipe_ensure_built
# The options come from the code that also writes Airflow DAGs (SparkSubmission, via `dlpipe submit-args`), so a
# stage script and a DAG task submit the same thing.
submission="$(java -Xmx256m -cp "$SPARK_CP:$JOB_JAR" dev.dlpipe.cli.Main submit-args --jar "$JOB_JAR" \
  --home "$DLPIPE_HOME" --cache "$DLPIPE_CACHE" --driver-memory "${DLPIPE_DRIVER_MEMORY:-4g}" \
  --properties-file "${DLPIPE_SPARK_PROPERTIES:-}" -- "$@")"
eval "$submission"
# shellcheck disable=SC2086
set -- --master "${SPARK_MASTER:-local[2]}" "${DLPIPE_SUBMIT_OPTIONS[@]}" ${SPARK_SUBMIT_ARGS:-} "${DLPIPE_SUBMIT_APP[@]}"
if [ "${DLPIPE_PRINT_SUBMIT:-0}" = 1 ]; then # the spark-submit arguments, one per line, instead of submitting
  printf '%s\n' "$@"
  exit 0
fi
dlpipe_spark_submit "$@"
