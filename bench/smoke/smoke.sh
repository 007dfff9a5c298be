#!/usr/bin/env bash
# Kasparro smoke test: the whole stack from the AppHost against the fixture upstreams, one PASS/FAIL line per step.
# Usage: bench/smoke/smoke.sh        (from anywhere; needs the .NET SDK and PostgreSQL server binaries, no Docker)
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /tmp/kasparro-smoke-XXXXXX)"
# PostgreSQL runs as the postgres user when the script runs as root: it must be able to enter the folder.
chmod 755 "$WORK"
FIXTURE_URL="http://127.0.0.1:${SMOKE_FIXTURE_PORT:-5055}"
API_URL="http://localhost:5180"
PG_PORT="${SMOKE_PG_PORT:-55432}"
PG_PASSWORD="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CONN="Host=127.0.0.1;Port=${PG_PORT};Username=postgres;Password=${PG_PASSWORD};Database=kasparro"
FAILED=0
PIDS=()

step() { # step NAME COMMAND...: runs the check, prints PASS/FAIL
  local name="$1"; shift
  if "$@" >>"$WORK/steps.log" 2>&1; then echo "PASS  $name"; else echo "FAIL  $name (see $WORK/steps.log)"; FAILED=1; fi
}
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 3
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
}
trap cleanup EXIT
wait_http() { # wait_http URL SECONDS
  for _ in $(seq 1 "$2"); do curl -fsS -o /dev/null "$1" && return 0; sleep 1; done; return 1
}
psql_q() { PGPASSWORD="$PG_PASSWORD" "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d kasparro -tAc "$1"; }

# A CSV large enough that a run is still loading when it is killed.
python3 - "$WORK/csv/big.csv" <<'PY'
import os, sys
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
with open(sys.argv[1], "w") as f:
    f.write("symbol,name,price_usd,created_at\n")
    for i in range(1, 200001):
        f.write(f"S{i},Smoke {i},{i}.5,2026-02-01T00:00:00Z\n")
PY
# The stack's own ingestion reads a small CSV folder; the big file is only for the kill/resume step.
mkdir -p "$WORK/stack-csv" && printf 'symbol,name,price_usd\nBTC,Bitcoin,70000\nETH,Ethereum,2100\n' >"$WORK/stack-csv/prices.csv"

step "build" dotnet build "$ROOT/Kasparro.AppHost" -v q -nologo
step "build fixture upstreams" dotnet build "$ROOT/tests/Kasparro.Upstreams" -v q -nologo

dotnet run --no-build --project "$ROOT/tests/Kasparro.Upstreams" -- --urls "$FIXTURE_URL" >"$WORK/fixture.log" 2>&1 &
PIDS+=($!)
step "fixture upstreams answer" wait_http "$FIXTURE_URL/_upstream/state" 60

(
  export Postgres__Mode=executable Postgres__Port="$PG_PORT" Postgres__DataDirectory="$WORK/pgdata"
  env "Parameters__postgres-password=$PG_PASSWORD" "Parameters__scheduler-token=$TOKEN" \
    Sources__CoinPaprika__BaseUrl="$FIXTURE_URL/coinpaprika/v1" Sources__CoinGecko__BaseUrl="$FIXTURE_URL/coingecko/api/v3" \
    Sources__CoinPaprika__RequestsPerMinute=600 Sources__CoinGecko__RequestsPerMinute=600 \
    Sources__Csv__Path="$WORK/stack-csv" \
    dotnet run --no-build --project "$ROOT/Kasparro.AppHost" --launch-profile http
) >"$WORK/apphost.log" 2>&1 &
PIDS+=($!)

step "API healthy" wait_http "$API_URL/health" 240
step "snapshot sources ingested" bash -c "for i in \$(seq 1 120); do n=\$(curl -fsS '$API_URL/stats' | python3 -c 'import json,sys; s=json.load(sys.stdin); print(sum(1 for k in (\"coingecko\",\"coinpaprika\") if s.get(k,{}).get(\"total_processed\",0)>0))'); [ \"\$n\" -ge 2 ] && exit 0; sleep 2; done; exit 1"
step "GET /data answers with records" bash -c "curl -fsS '$API_URL/data?source=coingecko&limit=5' | grep -q '\"ticker\"'"
step "unknown asset is a 404 problem" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$API_URL/assets/no-such-asset') = 404 ]"
step "trigger without token refused" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -X POST '$API_URL/trigger-etl') = 401 ]"

# Kill a separate ingestion process mid-way through the big CSV, then rerun it: exact counts, no duplicates.
INGEST_DLL="$ROOT/Kasparro.Ingestion/bin/Debug/net10.0/Kasparro.Ingestion.dll"
run_csv() {
  # exec: the ingestion process keeps this PID, which its etl_runs.worker column records.
  ( cd "$(dirname "$INGEST_DLL")" && exec env ConnectionStrings__kasparro="$CONN" Sources__Csv__Path="$WORK/csv" Sources__Csv__BatchSize=2000 \
      Sources__CoinGecko__Enabled=false Sources__CoinPaprika__Enabled=false Etl__RunOnStart=false \
      dotnet "$INGEST_DLL" --once --source csv )
}
csv_idle() { # the stack's scheduled csv run holds the source's lock while it runs
  for _ in $(seq 1 120); do [ "$(psql_q "SELECT count(*) FROM etl_runs WHERE source='csv' AND status='running'")" = 0 ] && return 0; sleep 1; done; return 1
}
kill_mid_run() {
  csv_idle || return 1
  run_csv >"$WORK/killed-run.log" 2>&1 &
  local launcher=$! worker=""
  for _ in $(seq 1 600); do
    # etl_runs.worker is "<host>/<pid>" of the process running the run: the pid to kill.
    worker="$(psql_q "SELECT worker FROM etl_runs WHERE source='csv' AND status='running' AND fetched > 0 ORDER BY id DESC LIMIT 1")"
    [ -n "$worker" ] && break
    kill -0 "$launcher" 2>/dev/null || return 1
    sleep 0.1
  done
  [ -n "$worker" ] || return 1
  kill -KILL "${worker##*/}"; wait "$launcher" 2>/dev/null
  local committed; committed="$(psql_q "SELECT fetched FROM etl_runs WHERE status='running' AND worker='$worker'")"
  echo "killed ${worker##*/} after $committed committed rows"
  [ -n "$committed" ] && [ "$committed" -gt 0 ] && [ "$committed" -lt 200000 ]
}
rerun() { # a scheduled csv fire of the stack may hold the lock for a moment: try again then
  for _ in $(seq 1 10); do
    csv_idle || return 1
    run_csv >"$WORK/rerun.log" 2>&1 && return 0
    grep -q "csv: refused" "$WORK/rerun.log" || { cat "$WORK/rerun.log"; return 1; }
    sleep 2
  done
  return 1
}
exact_counts() {
  local normalized history raw abandoned
  normalized="$(psql_q "SELECT count(*) FROM normalized_records WHERE source='csv' AND source_id LIKE 'S%'")"
  history="$(psql_q "SELECT count(*) FROM price_history WHERE source='csv' AND source_id LIKE 'S%'")"
  raw="$(psql_q "SELECT count(*) FROM raw_records WHERE source='csv' AND source_id LIKE 'S%'")"
  abandoned="$(psql_q "SELECT count(*) FROM etl_runs WHERE source='csv' AND status='failed' AND error_message LIKE 'abandoned%'")"
  echo "normalized=$normalized history=$history raw=$raw abandoned=$abandoned"
  [ "$normalized" = 200000 ] && [ "$history" = 200000 ] && [ "$raw" = 200000 ] && [ "$abandoned" -ge 1 ]
}
step "ingestion killed mid-run" kill_mid_run
step "rerun resumes and succeeds" rerun
step "exact counts, no duplicates, killed run marked abandoned" exact_counts

step "rate limit answers 429 with Retry-After" bash -c "for i in \$(seq 1 1500); do h=\$(curl -s -D - -o /dev/null '$API_URL/data?limit=1'); if echo \"\$h\" | grep -q '^HTTP/1.1 429'; then echo \"\$h\" | grep -qi '^retry-after:' && exit 0; exit 1; fi; done; exit 1"

echo
if [ "$FAILED" = 0 ]; then echo "SMOKE PASS"; else echo "SMOKE FAIL (logs in $WORK)"; fi
exit "$FAILED"
