#!/usr/bin/env bash
# trial.sh SCENARIO [ORDERS]: syncs a generated store into the simulator
# while things go wrong, then compares Salesforce with Magento.
#   faults   20% 503s, 5% row locks, tokens expiring every 50 calls
#   kill     the worker process killed with SIGKILL five times mid-backfill
#   three    three worker processes on one queue
#   restart  the database server restarted mid-run
#   backfill no faults, no latency: `sync --all --wait` timed, with the CPU
#            each process used and the peak memory of each magesync process;
#            SQL_DIGESTS=1 also lists the statements that took the database's time;
#            NOTES=1 sets Synchronize Order Notes = Yes first;
#            ROUTES=1 also prints the simulator's API calls by route
# It runs its own MariaDB (port 3317) and simulator (port 9317) so that it
# can restart them; needs bin/magesync (make build), curl, jq, python3.
# Salesforce answers each call after 300 ms but in the faults and backfill
# scenarios.
# Prints: orders in Salesforce / in Magento, duplicates, totals that
# differ, queue outcomes, and the time to drain.
set -euo pipefail
scenario=${1:?scenario: faults, kill, three, restart or backfill}
orders=${2:-2000}
cd "$(dirname "$0")/.."
bin=$PWD/bin/magesync
dir=$(mktemp -d /tmp/magesync-trial.XXXXXX)
port=3317 simport=9317
# Every process started is listed in $dir/pids (workers start in subshells).
cleanup() { for p in $(cat "$dir/pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done; [ -n "${dbpid:-}" ] && kill "$dbpid" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$dir"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && echo "logs in $dir (kept)" >&2

user_flag=(); [ "$(id -u)" = 0 ] && user_flag=(--user=root)
mariadb-install-db --no-defaults "${user_flag[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1
startdb() {
  mariadbd --no-defaults "${user_flag[@]}" --datadir="$dir/data" --socket="$dir/db.sock" --bind-address=127.0.0.1 --port=$port \
    --pid-file="$dir/db.pid" --skip-log-bin --innodb-buffer-pool-size=256M --max-connections=300 ${SQL_DIGESTS:+--performance-schema=ON} >>"$dir/db.log" 2>&1 &
  dbpid=$!
  for _ in $(seq 100); do mariadb -uroot -h127.0.0.1 -P$port -e 'SELECT 1' >/dev/null 2>&1 && return; sleep 0.1; done
  echo "database did not start" >&2; exit 1
}
startdb
"$bin" sfsim --addr 127.0.0.1:$simport --daily-limit 100000000 --currencies USD,EUR >"$dir/sim.log" 2>&1 &
echo $! >>"$dir/pids"
"$bin" demo --seed-only --orders "$orders" --db trial --dsn "root@tcp(127.0.0.1:$port)/" >"$dir/seed.log"
export MAGESYNC_DSN="root@tcp(127.0.0.1:$port)/trial" MAGESYNC_SF_LOGIN_URL=http://127.0.0.1:$simport \
  MAGESYNC_SF_FLOW=client_credentials MAGESYNC_SF_CLIENT_ID=magesync-demo MAGESYNC_SF_CLIENT_SECRET=magesync-demo-secret
sim() { curl -sf -X "$1" "http://127.0.0.1:$simport/_sim$2" ${3:+-d "$3"}; }
worker() { "$bin" worker --workers 2 --lease 15s >>"$dir/worker.log" 2>&1 & echo $! >>"$dir/pids"; echo $!; }
open_entries() { mariadb -uroot -h127.0.0.1 -P$port -N trial -e "SELECT COUNT(*) FROM magesync_queue WHERE status IN ('new','processing')" 2>/dev/null || echo unknown; }

# Salesforce answers in about 300 ms a call (the others), so that a run
# lasts long enough to be interrupted.
if [ "$scenario" = faults ]; then
  sim PUT /faults '{"rate503":0.2,"rateLockRow":0.05,"expireTokensEvery":50}' >/dev/null
elif [ "$scenario" = backfill ]; then
  [ -z "${NOTES:-}" ] || "$bin" config set magesync/order/sync_notes 1 >/dev/null
  simpid=$(head -1 "$dir/pids")
  cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in clock ticks
  db0=$(cpu "$dbpid") sim0=$(cpu "$simpid") start=$(date +%s.%N)
  /usr/bin/time -o "$dir/sync.time" -f '%U %S %M' "$bin" sync --all --wait >"$dir/sync.out" 2>>"$dir/worker.log"
  drain=$(echo "$(date +%s.%N) - $start" | bc)
  read -r su ss srss <"$dir/sync.time"
  hz=$(getconf CLK_TCK)
  db=$(echo "($(cpu "$dbpid") - $db0) / $hz" | bc -l) simcpu=$(echo "($(cpu "$simpid") - $sim0) / $hz" | bc -l) synccpu=$(echo "$su + $ss" | bc -l)
  calls=$(sim GET /stats | jq .apiCalls); [ -z "${ROUTES:-}" ] || sim GET /stats | jq -c .byRoute >&2
  simrss=$(awk '/VmHWM/ {print $2}' "/proc/$simpid/status")
  python3 - "$orders" "$drain" "$calls" "$db" "$synccpu" "$simcpu" "$srss" "$simrss" <<'PY'
import sys
n, drain, calls, db, sync, sim, srss, simrss = (float(a) for a in sys.argv[1:])
cpu = db + sync + sim
print(f"backfill {int(n)}: {n/drain:.0f} orders/s ({drain:.1f} s); {calls:.0f} API calls = {calls/n:.4f} per order; "
      f"CPU {cpu:.1f} s = {cpu/n*1e6:.0f} µs per order: MariaDB {db/cpu:.0%}, magesync sync {sync/cpu:.0%} "
      f"({sync/n*1e6:.0f} µs per order), simulator {sim/cpu:.0%}; peak RSS: magesync sync {srss/1024:.0f} MB, simulator {simrss/1024:.0f} MB")
PY
  [ -z "$(grep -v -e complete -e '^queued' "$dir/sync.out" | head -1)" ] || { echo "orders not complete:" >&2; grep -v -e complete -e '^queued' "$dir/sync.out" | head -5 >&2; }
  if [ -n "${SQL_DIGESTS:-}" ]; then
    mariadb -uroot -h127.0.0.1 -P$port -t -e "SELECT ROUND(SUM_TIMER_WAIT/1e12, 2) AS seconds, COUNT_STAR AS count, ROUND(SUM_ROWS_EXAMINED/COUNT_STAR) AS examined, LEFT(DIGEST_TEXT, 110) AS statement
      FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = 'trial' ORDER BY SUM_TIMER_WAIT DESC LIMIT 15"
  fi
  exit 0
else
  sim PUT /faults '{"latencyMs":300}' >/dev/null
fi
"$bin" sync --all >/dev/null
start=$(date +%s.%N)
case "$scenario" in
  faults|restart) w=$(worker) ;;
  three) worker >/dev/null; worker >/dev/null; worker >/dev/null ;;
  kill)
    for i in 1 2 3 4 5; do
      w=$(worker); sleep 2; kill -9 "$w"; echo "killed the worker ($i of 5) with $(open_entries) entries open" >&2
    done
    w=$(worker) ;;
esac
if [ "$scenario" = restart ]; then
  sleep 3
  echo "restarting the database with $(open_entries) entries open" >&2
  kill "$dbpid"; wait "$dbpid" 2>/dev/null || true; sleep 2; startdb
fi
while [ "$(open_entries)" != 0 ]; do sleep 0.5; done
drain=$(echo "$(date +%s.%N) - $start" | bc)
calls=$(grep -c 'sync batch' "$dir/worker.log" || true)
grep -h 'level=WARN\|level=ERROR' "$dir/worker.log" | sed 's/.*msg=//' | cut -c1-80 | sort | uniq -c | sort -rn | head -5 >&2 || true
faulted=$(sim GET /stats | jq '"\(.faulted) faults injected in \(.apiCalls) API calls"' -r)
sim PUT /faults '{}' >/dev/null
sim GET /records/Order >"$dir/orders.json"
mariadb -uroot -h127.0.0.1 -P$port -N trial -e "SELECT entity_id, grand_total FROM sales_order" >"$dir/magento.tsv"
mariadb -uroot -h127.0.0.1 -P$port -N trial -e "SELECT status, COUNT(*) FROM magesync_queue GROUP BY status" >"$dir/queue.tsv"
requeued=$(mariadb -uroot -h127.0.0.1 -P$port -N trial -e "SELECT CONCAT(SUM(retries), ' re-queued for transient failures, at most ', MAX(attempts), ' attempts') FROM magesync_queue")
prefix=$(mariadb -uroot -h127.0.0.1 -P$port -N trial -e "SELECT value FROM core_config_data WHERE path = 'magesync/connection/external_id_prefix'")
python3 - "$dir" "$prefix" "$scenario" "$drain" "$requeued; $faulted" <<'PY'
import json, sys, collections
d, prefix, scenario, drain, requeued = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
orders = json.load(open(d + "/orders.json"))
magento = dict(l.split("\t") for l in open(d + "/magento.tsv").read().split("\n") if l)
keys = collections.Counter(o["Magento_Order_Id__c"].removeprefix(prefix + ":") for o in orders)
dups = sum(n - 1 for n in keys.values() if n > 1)
differ = sum(1 for o in orders if abs(o["TotalAmount"] - float(magento.get(o["Magento_Order_Id__c"].removeprefix(prefix + ":"), "nan"))) > 0.005)
queue = dict(l.split("\t") for l in open(d + "/queue.tsv").read().split("\n") if l)
print(f"{scenario}: {len(keys)} orders in Salesforce / {len(magento)} in Magento; {dups} duplicates; {differ} totals differ; queue {queue} ({requeued}); drained in {drain:.1f} s")
PY
