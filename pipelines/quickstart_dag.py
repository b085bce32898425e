# Airflow DAG for the dlpipe pipeline 'quickstart' (pipelines/quickstart.yaml).
# Written by `./run pipeline dag` from dlpipe 0.1.0-SNAPSHOT: regenerate it when the pipeline file changes rather than editing it.
#
# One SparkSubmitOperator per stage, in the pipeline's order. Each submits exactly what jobs/<stage>.sh
# submits for that stage (the same jar, main class, --conf entries, Java 17 flags and arguments: both
# come from dlpipe's SparkSubmission). The Spark master is the connection's. The last task, report,
# writes run.json and report.md/html into the run directory from the stages' manifests.
#
# Per environment, set Airflow Variables instead of editing this file:
#   dlpipe_home              the dlpipe checkout or install on the workers (conf/, pipelines/, data)
#   dlpipe_jar               the job jar (./mvnw -B -DskipTests package writes it to target/)
#   dlpipe_run_root          each DAG run writes <root>/<pipeline>/<ds>; on a cluster, storage every
#                            executor reads (HDFS, S3, NFS)
#   dlpipe_spark_properties  a Spark properties file (per-environment Spark settings, the standalone
#                            cluster's auth secret); its entries win over the pipeline's spark.conf
#
# Retries and backfills are safe: a stage whose output is already there with the same input
# fingerprints, configuration and dlpipe build skips (it logs why), and a killed attempt's staging
# directory is removed by the next one. Triggering with the same logical date reruns nothing.
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

DLPIPE_HOME = "{{ var.value.get('dlpipe_home', '/opt/dlpipe') }}"
JOB_JAR = "{{ var.value.get('dlpipe_jar', var.value.get('dlpipe_home', '/opt/dlpipe') ~ '/target/dlpipe-0.1.0-SNAPSHOT-job.jar') }}"
RUN_DIR = "{{ var.value.get('dlpipe_run_root', var.value.get('dlpipe_home', '/opt/dlpipe') ~ '/runs') }}/quickstart/{{ ds }}"
SPARK_PROPERTIES = "{{ var.value.get('dlpipe_spark_properties', '') }}"
JAVA17_FLAGS = "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
JVM_FLAGS = f"{JAVA17_FLAGS} -Dorg.bytedeco.javacpp.cachedir={DLPIPE_HOME}/.cache/javacpp -Djava.io.tmpdir={DLPIPE_HOME}/.cache/tmp -Dhadoop.tmp.dir={DLPIPE_HOME}/.cache/tmp/hadoop -Dlog4j2.configurationFile={DLPIPE_HOME}/conf/log4j2.properties -Ddlpipe.home={DLPIPE_HOME}"
PIPELINE_FILE = f"{DLPIPE_HOME}/pipelines/quickstart.yaml"

# what every task submits besides its name and arguments (SparkSubmission)
SUBMIT = dict(
    conn_id="spark_default",
    application=JOB_JAR,
    java_class="dev.dlpipe.cli.Main",
    conf={
        "spark.driver.extraJavaOptions": JVM_FLAGS,
        "spark.executor.extraJavaOptions": JVM_FLAGS,
    },
    properties_file=SPARK_PROPERTIES,
    driver_memory="4g",
    env_vars={
        "OMP_NUM_THREADS": "1",
    },
)

default_args = {
    "owner": "dlpipe",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "depends_on_past": False,
}

with DAG(
    dag_id="dlpipe_quickstart",
    description="dlpipe pipeline 'quickstart': clean -> augment -> pack -> train -> compress -> export -> score, then the run report",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["dlpipe", "image"],
) as dag:
    clean = SparkSubmitOperator(
        task_id="clean",
        name="dlpipe clean",
        application_args=["clean", "--input", f"{DLPIPE_HOME}/sample-data/images/images.parquet", "--output", f"{RUN_DIR}/clean", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    augment = SparkSubmitOperator(
        task_id="augment",
        name="dlpipe augment",
        application_args=["augment", "--input", f"{RUN_DIR}/clean", "--output", f"{RUN_DIR}/augment", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    pack = SparkSubmitOperator(
        task_id="pack",
        name="dlpipe pack",
        application_args=["pack", "--input", f"{RUN_DIR}/augment", "--output", f"{RUN_DIR}/pack", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    train = SparkSubmitOperator(
        task_id="train",
        name="dlpipe train",
        application_args=["train", "--input", f"{RUN_DIR}/pack", "--output", f"{RUN_DIR}/train", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    compress = SparkSubmitOperator(
        task_id="compress",
        name="dlpipe compress",
        application_args=["compress", "--input", f"{RUN_DIR}/train", f"{RUN_DIR}/pack", "--output", f"{RUN_DIR}/compress", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    export = SparkSubmitOperator(
        task_id="export",
        name="dlpipe export",
        application_args=["export", "--input", f"{RUN_DIR}/compress", "--output", f"{RUN_DIR}/export", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    score = SparkSubmitOperator(
        task_id="score",
        name="dlpipe score",
        application_args=["score", "--input", f"{RUN_DIR}/export", f"{RUN_DIR}/pack", "--output", f"{RUN_DIR}/score", "--config", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )
    report = SparkSubmitOperator(
        task_id="report",
        name="dlpipe pipeline",
        application_args=["pipeline", "report", PIPELINE_FILE, "--set", f"pipeline.input={DLPIPE_HOME}/sample-data/images/images.parquet", "--set", f"run.dir={RUN_DIR}"],
        execution_timeout=timedelta(minutes=120),
        **SUBMIT,
    )

    clean >> augment >> pack >> train >> compress >> export >> score >> report
