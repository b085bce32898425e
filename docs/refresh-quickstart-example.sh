#!/usr/bin/env bash
# Records a real quickstart run as the README's example: copies its run.json to docs/quickstart-run.json and
# rewrites the README block between the quickstart-summary markers with `./run pipeline summary` of that run.
# ReadmeExampleTest fails when the README block and the recorded run disagree.
#   docs/refresh-quickstart-example.sh              run ./run quickstart first (into runs/quickstart)
#   docs/refresh-quickstart-example.sh RUN_DIR      use a finished quickstart run directory
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir="${1:-}"
if [ -z "$run_dir" ]; then
  ./run quickstart
  run_dir=runs/quickstart
fi
if [ ! -f "$run_dir/run.json" ]; then
  echo "error: $run_dir/run.json not found: not a finished pipeline run" >&2
  exit 2
fi
cp "$run_dir/run.json" docs/quickstart-run.json
block="$(mktemp)"
{
  echo '```'
  ./run pipeline summary docs/quickstart-run.json
  echo '```'
} > "$block"
awk -v block="$block" '
  /<!-- quickstart-summary begin/ { print; while ((getline line < block) > 0) print line; skip = 1; next }
  /<!-- quickstart-summary end/ { skip = 0 }
  !skip { print }' README.md > README.md.new
mv README.md.new README.md
echo "README example refreshed from $run_dir/run.json ($(grep -o '"git_commit" *: *"[^"]*"' docs/quickstart-run.json))"
