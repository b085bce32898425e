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
  DLPIPE_JVM_FLAGS="$(dlpipe_jvm_flags "$DLPIPE_HOME" "$DLPIPE_CACHE")"
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

# JVM flags for every Spark JVM ./run and jobs/cluster.sh start: Java 17 opens (target/jvm-opens.txt, from the
# pom), ND4J's native cache and temp files under the cache, log4j settings and profiles under the home.
# SparkSubmission.jvmFlags writes the same string for submissions and Airflow tasks (SparkSubmissionTest).
dlpipe_jvm_flags() { # dlpipe_jvm_flags HOME CACHE
  echo "$(cat "$1/target/jvm-opens.txt") -Dorg.bytedeco.javacpp.cachedir=$2/javacpp -Djava.io.tmpdir=$2/tmp -Dhadoop.tmp.dir=$2/tmp/hadoop -Dlog4j2.configurationFile=$1/conf/log4j2.properties -Ddlpipe.home=$1"
}

# A SPARK_HOME for Spark's launcher and workers, made of links to the Maven-resolved Spark jars (nothing copied):
# jars/, conf/ and the RELEASE file the launcher looks for. Rebuilt when the classpath changes; concurrent callers
# each build their own copy and the first rename wins.
dlpipe_spark_home() {
  local home="$DLPIPE_CACHE/spark-home" stamp tmp jar
  stamp="$(printf '%s' "$SPARK_CP" | cksum | cut -d' ' -f1)"
  if [ "$(cat "$home/.classpath-stamp" 2>/dev/null)" != "$stamp" ]; then
    mkdir -p "$DLPIPE_CACHE"
    tmp="$(mktemp -d "$DLPIPE_CACHE/.spark-home.XXXXXX")"
    mkdir -p "$tmp/jars" "$tmp/conf"
    touch "$tmp/RELEASE"
    local IFS=:
    for jar in $SPARK_CP; do
      ln -sf "$jar" "$tmp/jars/$(basename "$jar")"
    done
    echo "$stamp" > "$tmp/.classpath-stamp"
    if [ -e "$home" ]; then mv -T "$home" "$home.old-$$" 2>/dev/null || true; fi
    mv -T "$tmp" "$home" 2>/dev/null || rm -rf "$tmp"
    rm -rf "$home.old-$$"
  fi
  echo "$home"
}

# spark-submit with the options in "$@" (jobs/submit.sh takes them from `dlpipe submit-args`): $SPARK_HOME's when
# there is one, else jobs/spark-submit (Spark's own launcher over the resolved jars). Either starts the driver with
# the options' spark.driver.extraJavaOptions and --driver-memory. Replaces the shell, so the exit code and the
# one-line error are dlpipe's own.
dlpipe_spark_submit() {
  if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
    exec "$SPARK_HOME/bin/spark-submit" "$@"
  else
    exec "$DLPIPE_HOME/jobs/spark-submit" "$@"
  fi
}
