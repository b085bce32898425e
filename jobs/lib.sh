# Shared by ./run and jobs/*.sh (sourced, not run): the job jar, the JVM flags Spark and ND4J need on Java 17,
# and spark-submit -- from $SPARK_HOME when set, else Spark's own launcher from the Maven-resolved jars.
DLPIPE_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DLPIPE_CACHE="${DLPIPE_CACHE:-$DLPIPE_HOME/.cache}"

# Builds the job jar when it is missing or older than the sources (skip with DLPIPE_NO_BUILD=1).
dlpipe_ensure_built() {
  local jar
  jar=$(ls "$DLPIPE_HOME"/target/dlpipe-*-job.jar 2>/dev/null | head -n 1)
  if [ "${DLPIPE_NO_BUILD:-0}" != 1 ]; then
    if [ -z "$jar" ] || [ ! -f "$DLPIPE_HOME/target/spark-classpath.txt" ] \
       || [ -n "$(find "$DLPIPE_HOME/src/main" "$DLPIPE_HOME/conf" "$DLPIPE_HOME/pom.xml" -newer "$jar" -print -quit)" ]; then
      echo "building the job jar (./mvnw package)..." >&2
      (cd "$DLPIPE_HOME" && ./mvnw -B -q -DskipTests package) >&2 || return 1
      jar=$(ls "$DLPIPE_HOME"/target/dlpipe-*-job.jar | head -n 1)
    fi
  fi
  if [ -z "$jar" ]; then
    echo "error: no job jar in $DLPIPE_HOME/target; run ./mvnw package" >&2
    return 1
  fi
  JOB_JAR="$jar"
  SPARK_CP="$(cat "$DLPIPE_HOME/target/spark-classpath.txt")"
  mkdir -p "$DLPIPE_CACHE/javacpp" "$DLPIPE_CACHE/tmp/hadoop"
  # JVM flags for every Spark JVM we start: Java 17 opens, and ND4J's native cache in a project-local folder
  DLPIPE_JVM_FLAGS="$(cat "$DLPIPE_HOME/target/jvm-opens.txt") -Dorg.bytedeco.javacpp.cachedir=$DLPIPE_CACHE/javacpp -Djava.io.tmpdir=$DLPIPE_CACHE/tmp -Dhadoop.tmp.dir=$DLPIPE_CACHE/tmp/hadoop -Dlog4j2.configurationFile=$DLPIPE_HOME/conf/log4j2.properties -Ddlpipe.home=$DLPIPE_HOME"
  export SPARK_SCALA_VERSION=2.12
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
}

# spark-submit with our flags on the driver (client mode) and the executors.
dlpipe_spark_submit() {
  local executor_flags="$DLPIPE_JVM_FLAGS"
  if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
    "$SPARK_HOME/bin/spark-submit" --driver-java-options "$DLPIPE_JVM_FLAGS" \
      --conf "spark.executor.extraJavaOptions=$executor_flags" "$@"
  else
    # shellcheck disable=SC2086
    java -Xmx"${DLPIPE_DRIVER_MEMORY:-4g}" $DLPIPE_JVM_FLAGS -cp "$SPARK_CP" org.apache.spark.deploy.SparkSubmit \
      --conf "spark.executor.extraJavaOptions=$executor_flags" "$@"
  fi
}
