#!/usr/bin/env bash
# Run every benchmark in turn with modest defaults (about 22 minutes on 2 cores).
# PostgreSQL's programs must be installed (apt-get install postgresql) for the pg variants.
# Usage: bash benchmarks/run_all.sh [python]   (default: python3, or $PYTHON)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-${PYTHON:-python3}}"

echo "== lint speed =="
"$PY" benchmarks/lint_speed.py --scenarios 500 --repeat 2
echo
echo "== in-process handling cost =="
"$PY" benchmarks/in_process.py --updates 3000 --runs 10000
echo
echo "== end to end over HTTP: SQLCipher, PostgreSQL with 1 and 2 workers, bare PTB =="
"$PY" benchmarks/e2e_throughput.py --users 200 --seconds 10 --warmup 2
echo
echo "== one person floods the bot while others play =="
"$PY" benchmarks/flood.py --flood 600 --repeat 3
echo
echo "== bystander report over a million choices =="
"$PY" benchmarks/report_scale.py
echo
echo "== bystander report on PostgreSQL over ten million choices =="
"$PY" benchmarks/report_scale.py --backend postgres --choices 10000000
echo
echo "== the projector page's live streams: server CPU per open screen =="
"$PY" benchmarks/projector_streams.py --streams 1,4,20,80 --seconds 20
echo
echo "== how long the questionnaire takes =="
"$PY" benchmarks/questionnaire_minutes.py
