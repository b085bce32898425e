#!/usr/bin/env bash
# Submits a whole pipeline file as one Spark application: jobs/pipeline.sh pipelines/quickstart.yaml [--set k=v]
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" pipeline run "$@"
