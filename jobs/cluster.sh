#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, from the Maven-resolved Spark jars (no Spark tarball):
#   jobs/cluster.sh start [--workers N] [--cores C] [--memory 3g] [--encrypt]   master + N workers on 127.0.0.1
#                                   (--encrypt: spark.network.crypto.enabled too, for the daemons and every submission)
#   jobs/cluster.sh status                                        what runs, and the master URL
#   jobs/cluster.sh stop                                          stops what start started, by PID
#   jobs/cluster.sh env                                           prints the exports jobs/submit.sh needs
#   jobs/cluster.sh submit FILE [--set k=v]                       runs a pipeline file on it (jobs/pipeline.sh)
# spark.authenticate is on: start writes a random secret into a properties file (mode 600) that the master, the
# workers and every submission read (--properties-file), so it never appears on a command line. Submitting:
#   eval "$(jobs/cluster.sh env)"; jobs/train.sh --input ... --output ...
# Environment: DLPIPE_CLUSTER_DIR (state, logs, work dirs; default .cache/cluster), DLPIPE_MASTER_PORT (7077),
# DLPIPE_MASTER_UI_PORT (8080), DLPIPE_WORKER_UI_PORT (first worker's UI port; 8081).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_DIR="${DLPIPE_CLUSTER_DIR:-$DLPIPE_CACHE/cluster}"
MASTER_PORT="${DLPIPE_MASTER_PORT:-7077}"
MASTER_UI_PORT="${DLPIPE_MASTER_UI_PORT:-8080}"
WORKER_UI_PORT="${DLPIPE_WORKER_UI_PORT:-8081}"
MASTER_URL="spark://127.0.0.1:$MASTER_PORT"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "error: timed out waiting for $what (logs: $CLUSTER_DIR/logs)" >&2
      return 1
    fi
    sleep 0.5
  done
}

alive_workers() {
  curl -fsS "http://127.0.0.1:$MASTER_UI_PORT/json/" 2>/dev/null | grep -o '"state" *: *"ALIVE"' | wc -l
}

workers_registered() { [ "$(alive_workers)" -ge "$1" ]; }

start() {
  local workers=2 cores=1 memory=3g encrypt=false
  while [ $# -gt 0 ]; do
    case "$1" in
      --encrypt) encrypt=true; shift ;;
      --workers) workers="$2"; shift 2 ;;
      --cores) cores="$2"; shift 2 ;;
      --memory) memory="$2"; shift 2 ;;
      *) echo "error: unknown option $1 (see jobs/cluster.sh header)" >&2; exit 2 ;;
    esac
  done
  if alive "$CLUSTER_DIR/master.pid"; then
    echo "error: a cluster from $CLUSTER_DIR is already running ($MASTER_URL); jobs/cluster.sh stop first" >&2
    exit 2
  fi
  if ! command -v curl >/dev/null; then
    echo "error: jobs/cluster.sh needs curl to ask the master which workers are alive (apt-get install curl)" >&2
    exit 2
  fi
  dlpipe_ensure_built
  mkdir -p "$CLUSTER_DIR/logs" "$CLUSTER_DIR/work"
  rm -f "$CLUSTER_DIR"/*.pid
  # Executors get the workers' whole --memory as heap (Spark's own default is 1g whatever the worker offers);
  # a submission's --executor-memory or spark.executor.memory still overrides this file.
  # spark.ui.killEnabled false: the master's web UI otherwise kills any application on an unauthenticated POST to
  # /app/kill. The UIs bind to SPARK_LOCAL_IP (127.0.0.1, set by lib.sh), so they are not reachable from elsewhere.
  (umask 077; printf 'spark.authenticate true\nspark.authenticate.secret %s\nspark.executor.memory %s\nspark.ui.killEnabled false\n' \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$memory" > "$CLUSTER_DIR/auth.properties")
  if [ "$encrypt" = true ]; then
    echo 'spark.network.crypto.enabled true' >> "$CLUSTER_DIR/auth.properties"
  fi
  local spark_home
  # Spark's worker launches executors with "$SPARK_HOME/jars/*" on the classpath
  spark_home="$(dlpipe_spark_home)"
  local flags="$DLPIPE_JVM_FLAGS -Dlog4j2.configurationFile=$DLPIPE_HOME/conf/log4j2-daemons.properties"
  export SPARK_HOME="$spark_home"
  # shellcheck disable=SC2086
  nohup java -Xmx512m $flags -cp "$SPARK_CP" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$MASTER_PORT" --webui-port "$MASTER_UI_PORT" \
    --properties-file "$CLUSTER_DIR/auth.properties" \
    > "$CLUSTER_DIR/logs/master.log" 2>&1 &
  echo $! > "$CLUSTER_DIR/master.pid"
  wait_for 60 "the master on port $MASTER_PORT" bash -c "curl -fsS http://127.0.0.1:$MASTER_UI_PORT/json/ >/dev/null 2>&1"
  for i in $(seq 1 "$workers"); do
    mkdir -p "$CLUSTER_DIR/work/worker-$i"
    # shellcheck disable=SC2086
    nohup java -Xmx512m $flags -cp "$SPARK_CP" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port $((WORKER_UI_PORT + i - 1)) \
      --properties-file "$CLUSTER_DIR/auth.properties" \
      --work-dir "$CLUSTER_DIR/work/worker-$i" "$MASTER_URL" \
      > "$CLUSTER_DIR/logs/worker-$i.log" 2>&1 &
    echo $! > "$CLUSTER_DIR/worker-$i.pid"
  done
  wait_for 90 "$workers workers to register" workers_registered "$workers"
  echo "$MASTER_URL" > "$CLUSTER_DIR/master-url"
  echo "started $MASTER_URL with $workers workers x $cores core(s), $memory (UI http://127.0.0.1:$MASTER_UI_PORT)"
  echo "executors get $memory of heap each (spark.executor.memory in $CLUSTER_DIR/auth.properties; --executor-memory overrides it)"
}

status() {
  local any=0
  for pid in "$CLUSTER_DIR"/*.pid; do
    [ -e "$pid" ] || continue
    any=1
    if alive "$pid"; then echo "$(basename "$pid" .pid): running (pid $(cat "$pid"))"; else echo "$(basename "$pid" .pid): not running"; fi
  done
  if [ "$any" = 0 ]; then echo "no cluster started from $CLUSTER_DIR"; return 1; fi
  alive "$CLUSTER_DIR/master.pid" && echo "master: $MASTER_URL, $(alive_workers) worker(s) alive"
  return 0
}

stop() {
  local pids=()
  for f in "$CLUSTER_DIR"/worker-*.pid "$CLUSTER_DIR"/master.pid; do
    [ -e "$f" ] || continue
    if alive "$f"; then pids+=("$(cat "$f")"); fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    # workers first take their executors down with them
    kill "${pids[@]}" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    for p in "${pids[@]}"; do
      while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
      kill -9 "$p" 2>/dev/null || true
    done
  fi
  rm -f "$CLUSTER_DIR"/*.pid "$CLUSTER_DIR/master-url"
  echo "stopped (${#pids[@]} process(es))"
}

# What a submission needs: the master URL and the properties file holding the shared secret.
env_exports() {
  if ! alive "$CLUSTER_DIR/master.pid"; then
    echo "error: no cluster running from $CLUSTER_DIR (jobs/cluster.sh start)" >&2
    exit 2
  fi
  echo "export SPARK_MASTER=$MASTER_URL DLPIPE_SPARK_PROPERTIES=$CLUSTER_DIR/auth.properties"
}

# The pipeline file to this cluster in one command: what `eval "$(jobs/cluster.sh env)"; jobs/pipeline.sh FILE` does.
submit() {
  if ! alive "$CLUSTER_DIR/master.pid"; then
    echo "error: no cluster running from $CLUSTER_DIR (jobs/cluster.sh start)" >&2
    exit 2
  fi
  SPARK_MASTER="$MASTER_URL" DLPIPE_SPARK_PROPERTIES="$CLUSTER_DIR/auth.properties" \
    exec "$DLPIPE_HOME/jobs/pipeline.sh" "$@"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status || exit 1 ;;
  env) env_exports ;;
  submit) shift; submit "$@" ;;
  *) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
