#!/usr/bin/env bash
# A long Schemathesis campaign against a real `remit serve`: every phase, every check, many more examples than
# `make test` runs (its in-process run is tests/api/test_schemathesis.py; both follow schemathesis.toml).
#
# Usage: tools/fuzz_api.sh [EXAMPLES_PER_OPERATION] [SEED]
#   defaults: 1000 examples per operation and a fresh random seed (printed, so a finding can be replayed).
#   More `st run` options go in ST_ARGS, e.g. ST_ARGS="--max-time 3600" to keep fuzzing and stateful
#   testing going for an hour, or ST_ARGS="--workers 4".
#
# It serves a throwaway SQLite database in a temporary directory, creates a business and its API key with the
# CLI, runs `st run`, then stops the server and removes the directory. Reports (JUnit, NDJSON) are written to
# schemathesis-report/. The exit code is st's: 0 when nothing was found.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${1:-1000}
seed=${2:-$((RANDOM * 32768 + RANDOM))}
bin=.venv/bin
work=$(mktemp -d)
server=""

stop() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT

# The campaign sends far more requests per second than the per-key rate limit allows a real client.
export REMIT_DATABASE_URL="sqlite:///$work/remit.db" REMIT_DATA_DIR="$work/data" REMIT_RATE_LIMIT=off
port=$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$bin/remit" migrate >/dev/null
created=$("$bin/remit" business create --name "Fuzz Traders" --url-key fuzz --json)
business_id=$(printf '%s' "$created" | "$bin/python" -c 'import json, sys; print(json.load(sys.stdin)["business_id"])')
api_key=$(printf '%s' "$created" | "$bin/python" -c 'import json, sys; print(json.load(sys.stdin)["api_key"])')

"$bin/remit" serve --port "$port" >"$work/server.log" 2>&1 &
server=$!
"$bin/python" - "$port" <<'EOF'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("remit serve did not answer /healthz within 10 seconds")
EOF

echo "fuzzing http://127.0.0.1:$port with $examples examples per operation, seed $seed"
status=0
# tests/api/schemathesis_hooks.py reissues the business's key in this database when the campaign revokes it.
REMIT_FUZZ_DATABASE_URL=$REMIT_DATABASE_URL REMIT_FUZZ_BUSINESS_ID=$business_id REMIT_FUZZ_API_KEY=$api_key \
    "$bin/st" run "http://127.0.0.1:$port/openapi.json" \
    --phases examples,coverage,fuzzing,stateful --checks all \
    --max-examples "$examples" --seed "$seed" --report junit,ndjson ${ST_ARGS:-} || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- last lines of the server log ---"
    tail -n 40 "$work/server.log"
fi
exit "$status"
