#!/usr/bin/env bash
# CI smoke test of the benchmark harness (docs/performance.md): small dataset, short load steps, then the
# invariants — ledger verifies (the platform's own `ledger:verify`), no order has two couriers, no overlapping
# shifts, notification sequences intact, server shut down cleanly, no 5xx but clean 503s. Timings are not checked.
# Needs PostgreSQL (BENCH_ADMIN_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")"
admin="${BENCH_ADMIN_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
db=dingban_bench_smoke
url="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$admin" "$db")"
cleanup() { node src/cli.ts --drop --db "$db" --admin-url "$admin" >/dev/null 2>&1 || true; }
trap cleanup EXIT
start=$(date +%s)
timeout 170 node src/cli.ts --scale small --smoke --keep --db "$db" --admin-url "$admin"
(cd ../server && DATABASE_URL="$url" NODE_ENV=test LOG_LEVEL=warn timeout 60 node src/cli/ledger-verify.ts)
echo "bench smoke: OK in $(($(date +%s) - start)) s"
