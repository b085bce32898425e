#!/usr/bin/env bash
# One pipeline file, the three ways users run it, timed, and their results side by side (docs/benchmarks.md):
#   local       ./run pipeline run FILE                    one JVM, Spark local[2]
#   standalone  jobs/cluster.sh submit FILE                spark-submit to a standalone cluster on this machine
#                                                          (master + 2 workers x 1 core, spark.authenticate on)
#   airflow     the DAG `./run pipeline dag FILE` writes:  each task's spark-submit command, as the Spark provider
#                                                          builds it (src/test/resources/airflow/dag_tasks.py), run
#                                                          in order in local[2] from a directory of its own
# Usage: docs/three-ways.sh [FILE] [--set key=value ...]   (default pipelines/quickstart.yaml)
# Needs Debian's python3-jinja2 for the DAG route. Writes target/three-ways/; prints wall times and a table of
# each stage's counts and key metrics per route, and exits 1 if the routes disagree (counts, or metrics to 1e-6).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
file="pipelines/quickstart.yaml"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then file="$1"; shift; fi
sets=("$@")
work="$PWD/target/three-ways"
rm -rf "$work"
mkdir -p "$work/worker-cwd"
DLPIPE_NO_BUILD=0 ./run --version >/dev/null   # build the jar first, outside the timings
export DLPIPE_NO_BUILD=1

seconds() { python3 -c "import time; print(f'{time.time() - $1:.1f}')"; }

echo "== local: ./run pipeline run $file ${sets[*]}"
t0=$(date +%s.%N)
./run pipeline run "$file" "${sets[@]}" --set "run.dir=$work/local" > "$work/local.log" 2>&1
local_s=$(seconds "$t0")

echo "== standalone: jobs/cluster.sh start --workers 2 --cores 1; jobs/cluster.sh submit $file"
export DLPIPE_CLUSTER_DIR="$work/cluster"
trap 'jobs/cluster.sh stop >/dev/null 2>&1 || true' EXIT
jobs/cluster.sh start --workers 2 --cores 1 --memory 3g > "$work/cluster-start.log" 2>&1
t0=$(date +%s.%N)
jobs/cluster.sh submit "$file" "${sets[@]}" --set "run.dir=$work/standalone" > "$work/standalone.log" 2>&1
standalone_s=$(seconds "$t0")
jobs/cluster.sh stop > /dev/null 2>&1

echo "== airflow: ./run pipeline dag $file, then each task's spark-submit"
./run pipeline dag "$file" "${sets[@]}" --output "$work/dag.py" > "$work/dag.log" 2>&1
/usr/bin/python3 src/test/resources/airflow/dag_tasks.py "$work/dag.py" --master 'local[2]' --ds 2026-01-02 \
  --var "dlpipe_home=$PWD" --var "dlpipe_run_root=$work/airflow" > "$work/tasks.json"
t0=$(date +%s.%N)
/usr/bin/python3 - "$work" "$PWD" <<'EOF'
import json, os, subprocess, sys
work, home = sys.argv[1], sys.argv[2]
for task in json.load(open(f"{work}/tasks.json"))["tasks"]:
    env = dict(os.environ, **task["env"])
    argv = [f"{home}/jobs/spark-submit"] + task["argv"][1:]  # spark-submit from PATH, as on a worker
    with open(f"{work}/task-{task['task_id']}.log", "w") as log:
        rc = subprocess.run(argv, env=env, cwd=f"{work}/worker-cwd", stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        sys.exit(f"task {task['task_id']} failed with exit code {rc}: see {work}/task-{task['task_id']}.log")
EOF
airflow_s=$(seconds "$t0")
run_dir="$work/airflow/$(python3 -c "import json; print(json.load(open('$work/tasks.json'))['dag']['dag_id'][len('dlpipe_'):])")/2026-01-02"

/usr/bin/python3 - "$work" "$run_dir" "$local_s" "$standalone_s" "$airflow_s" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" <<'EOF'
import json, os, re, sys
work, airflow_dir, local_s, standalone_s, airflow_s, cpu = sys.argv[1:]
routes = {"local": f"{work}/local", "standalone": f"{work}/standalone", "airflow": airflow_dir}
timing = re.compile(r"(?i).*(seconds|per_second|latency|_ms|serve|cpu).*")

def flat(o, prefix=""):
    if isinstance(o, dict):
        out = {}
        zip_file = str(o.get("file", "")).endswith(".zip")  # a zip's bytes hold write times: entries compared below
        for k, v in o.items():
            if not timing.match(str(k)) and not (zip_file and k == "sha256"):
                out.update(flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(o, list):
        out = {}
        for i, v in enumerate(o):
            out.update(flat(v, f"{prefix}[{i}]"))
        return out
    return {prefix: o}

stages = [s for s in ["clean", "augment", "pack", "train", "compress", "export", "score"]
          if os.path.exists(f"{routes['local']}/{s}/_manifest.json")]
print(f"\nCPU: {cpu}, {os.cpu_count()} cores")
print(f"wall seconds: local {local_s}, standalone {standalone_s}, airflow tasks {airflow_s}\n")
print("| stage | rows out (local / standalone / airflow) | quarantined | key metric (local / standalone / airflow) | same? |")
print("|---|---|---|---|---|")
disagree = []
for s in stages:
    m = {r: json.load(open(f"{d}/{s}/_manifest.json")) for r, d in routes.items()}
    outs = " / ".join(str(m[r]["counts"].get("out", "")) for r in routes)
    quarantined = " / ".join(str(sum((m[r]["counts"].get("quarantined_by_reason") or {}).values())) for r in routes)
    fm = {r: flat(m[r]["metrics"]) for r in routes}
    same = all(m[r]["counts"] == m["local"]["counts"] for r in routes)
    for r in routes:
        if fm[r].keys() != fm["local"].keys():
            same = False
            continue
        for k, v in fm["local"].items():
            w = fm[r][k]
            if isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(w, (int, float)):
                same &= abs(v - w) <= 1e-6
            else:
                same &= v == w
    key = next((k for k in ("test_accuracy", "compressed_test_accuracy", "accuracy", "rows_per_split.train",
                            "augmented_rows", "splits.train.rows", "parameters") if k in fm["local"]), None)
    shown = " / ".join(str(fm[r].get(key)) for r in routes) if key else ""
    print(f"| {s} | {outs} | {quarantined} | {key or ''} {shown} | {'yes' if same else 'NO'} |")
    if not same:
        disagree.append(s)
import hashlib, zipfile
for z in ("train/model.zip", "export/model.zip"):
    seen = set()
    for r, d in routes.items():
        with zipfile.ZipFile(f"{d}/{z}") as f:
            seen.add(tuple(sorted((n, hashlib.sha256(f.read(n)).hexdigest()) for n in f.namelist())))
    print(f"{z}: entries {'identical' if len(seen) == 1 else 'DIFFER'} across the three routes")
    if len(seen) != 1:
        disagree.append(z)
if disagree:
    sys.exit("the routes disagree on: " + ", ".join(disagree))
print("\nall three routes: the same counts and metrics (to 1e-6) at every stage")
EOF
