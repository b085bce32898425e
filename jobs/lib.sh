# Shared by ./run and jobs/*.sh (sourced, not run): the job jar, the JVM flags Spark and ND4J need on Java 17,
# and spark-submit -- from $SPARK_HOME when set, else Spark's own launcher from the Maven-resolved jars.
DLPIPE_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DLPIPE_CACHE="${DLPIPE_CACHE:-$DLPIPE_HOME/.cache}"

# No silent exits: under `set -e` a failing command would end the script without a word (a fresh clone's
# missing target/ once did exactly that), so every launcher names the command that failed and where.
dlpipe_on_error() {
  local rc=$1 line=$2 cmd=$3
  echo "error: $(basename "$0"): '$cmd' failed with exit code $rc (line $line)" >&2
  exit "$rc"
}
set -E
trap 'dlpipe_on_error $? $LINENO "$BASH_COMMAND"' ERR

# The newest target/dlpipe-*-job.jar, or nothing (a glob, not ls: no target/ is the normal fresh-clone case).
dlpipe_job_jar() {
  local f newest=""
  for f in "$DLPIPE_HOME"/target/dlpipe-*-job.jar; do
    if [ -f "$f" ] && { [ -z "$newest" ] || [ "$f" -nt "$newest" ]; }; then newest="$f"; fi
  done
  echo "$newest"
}

# Why the job jar must be (re)built, or nothing when it is up to date.
dlpipe_build_reason() {
  local jar="$1" newer
  if [ -z "$jar" ]; then echo "there is no job jar in target/ yet (first run in this clone)"; return; fi
  if [ ! -f "$DLPIPE_HOME/target/spark-classpath.txt" ] || [ ! -f "$DLPIPE_HOME/target/jvm-opens.txt" ]; then
    echo "target/spark-classpath.txt or target/jvm-opens.txt is missing"; return
  fi
  # a changed file is the better reason to show; a newer directory alone means a file was added or removed
  newer=$(find "$DLPIPE_HOME/src/main" "$DLPIPE_HOME/conf" "$DLPIPE_HOME/pom.xml" -newer "$jar" -type f -print -quit)
  [ -n "$newer" ] || newer=$(find "$DLPIPE_HOME/src/main" "$DLPIPE_HOME/conf" -newer "$jar" -print -quit)
  if [ -n "$newer" ]; then echo "the sources changed since it was built (${newer#"$DLPIPE_HOME"/} is newer)"; fi
}

# Builds the job jar when it is missing or older than the sources (DLPIPE_NO_BUILD=1: use what is there).
dlpipe_ensure_built() {
  local jar reason log start
  jar=$(dlpipe_job_jar)
  reason=$(dlpipe_build_reason "$jar")
  if [ -n "$reason" ] && [ "${DLPIPE_NO_BUILD:-0}" != 1 ]; then
    mkdir -p "$DLPIPE_CACHE"
    log="$DLPIPE_CACHE/build.log"
    echo "dlpipe: building the job jar because $reason: ./mvnw -B -DskipTests package" >&2
    if [ -z "$jar" ]; then
      echo "dlpipe: (the first build downloads Maven and ~550 MB of dependencies: a few minutes. Log: $log)" >&2
    fi
    start=$SECONDS
    if ! (cd "$DLPIPE_HOME" && ./mvnw -B -ntp -DskipTests package) > "$log" 2>&1; then
      tail -n 25 "$log" >&2
      echo "error: the build failed (last lines above, whole log in $log); fix it, or run ./mvnw -B -DskipTests package" >&2
      exit 1
    fi
    jar=$(dlpipe_job_jar)
    echo "dlpipe: built ${jar#"$DLPIPE_HOME"/} in $((SECONDS - start)) s" >&2
    reason=$(dlpipe_build_reason "$jar")
  fi
  if [ -z "$jar" ] || [ ! -f "$DLPIPE_HOME/target/spark-classpath.txt" ]; then
    echo "error: no job jar in $DLPIPE_HOME/target (DLPIPE_NO_BUILD=1 is set): run ./mvnw -B -DskipTests package" >&2
    exit 2
  fi
  if [ -n "$reason" ]; then
    echo "dlpipe: warning: using ${jar#"$DLPIPE_HOME"/} although $reason (DLPIPE_NO_BUILD=1)" >&2
  fi
  JOB_JAR="$jar"
  SPARK_CP="$(cat "$DLPIPE_HOME/target/spark-classpath.txt")"
  mkdir -p "$DLPIPE_CACHE/javacpp" "$DLPIPE_CACHE/tmp/hadoop"
  # JVM flags for every Spark JVM we start: Java 17 opens, and ND4J's native cache in a project-local folder
  DLPIPE_JVM_FLAGS="$(cat "$DLPIPE_HOME/target/jvm-opens.txt") -Dorg.bytedeco.javacpp.cachedir=$DLPIPE_CACHE/javacpp -Djava.io.tmpdir=$DLPIPE_CACHE/tmp -Dhadoop.tmp.dir=$DLPIPE_CACHE/tmp/hadoop -Dlog4j2.configurationFile=$DLPIPE_HOME/conf/log4j2.properties -Ddlpipe.home=$DLPIPE_HOME"
  export SPARK_SCALA_VERSION=2.12
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  # One native thread per ND4J op unless the caller says otherwise: every Spark task is already one thread per
  # core (spark.task.cpus = 1), and OpenMP/OpenBLAS threads on top of that oversubscribe the cores. Measured on the
  # 2-core VM, quickstart train in local[2]: 2,041 samples/s with the default, 4,124 with 1 (docs/benchmarks.md).
  # Executors on a cluster get the same through spark.executorEnv.OMP_NUM_THREADS (SparkSessions).
  export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
  dlpipe_openblas_coretype
}

# OpenBLAS (bundled with nd4j-native 1.0.0-M2) picks its matrix kernels by CPU model, and a model newer than the
# library (Sapphire Rapids, for one) falls back to "Prescott": SSE3 kernels at a fraction of the speed. Name the
# kernel family from the CPU's own flags instead, unless the caller set OPENBLAS_CORETYPE. Measured on the 2-core
# Xeon VM: quickstart MLP fit 3,075 -> 4,395 samples/s (docs/benchmarks.md). Workers started by jobs/cluster.sh
# source this file and get their own machine's answer; other clusters: set it in spark-env.sh.
dlpipe_openblas_coretype() {
  [ -z "${OPENBLAS_CORETYPE:-}" ] || return 0
  [ -r /proc/cpuinfo ] && [ "$(uname -m)" = x86_64 ] || return 0
  local flags
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  if [[ $flags == *" avx512f "* && $flags == *" avx512bw "* && $flags == *" avx512vl "* && $flags == *" avx512dq "* ]]; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif [[ $flags == *" avx2 "* && $flags == *" fma "* ]]; then
    export OPENBLAS_CORETYPE=Haswell
  fi
}

# spark-submit with our flags on the driver (client mode) and the executors. Replaces the shell, so the exit
# code and the one-line error are dlpipe's own.
dlpipe_spark_submit() {
  local executor_flags="$DLPIPE_JVM_FLAGS"
  if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
    exec "$SPARK_HOME/bin/spark-submit" --driver-java-options "$DLPIPE_JVM_FLAGS" \
      --conf "spark.executor.extraJavaOptions=$executor_flags" "$@"
  else
    # shellcheck disable=SC2086
    exec java -Xmx"${DLPIPE_DRIVER_MEMORY:-4g}" $DLPIPE_JVM_FLAGS -cp "$SPARK_CP" org.apache.spark.deploy.SparkSubmit \
      --conf "spark.executor.extraJavaOptions=$executor_flags" "$@"
  fi
}
