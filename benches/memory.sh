#!/usr/bin/env bash
# The memory bound of `kefu run --memory-budget` (issue 14), as a benchmark:
# generates SHOPS shops x DAYS days x SPD sessions per shop-day (about 5.4
# messages a session), runs the job with the budget under /usr/bin/time
# (and, with PLAIN=1, without it for comparison), and writes wall time, peak
# RSS, bucket count and the reconciliation to OUT as JSON.
#
#   benches/memory.sh target/release/kefu /tmp/mem 1G 100 14 1320 \
#       benches/results/memory-10m-1g-release-2t.json
set -euo pipefail
kefu=$1 work=$2 budget=$3 shops=$4 days=$5 spd=$6 out=$7
rm -rf "$work" && mkdir -p "$work"
"$kefu" generate --out "$work/data" --seed 1 --shops "$shops" --agents 8 \
  --days "$days" --sessions-per-day "$spd" > /dev/null
inputs=(--messages "$work/data/messages" --orders "$work/data/orders" --agents "$work/data/agents.csv")
run() { # name, extra args...
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/$name.time" \
    "$kefu" run "${inputs[@]}" --out "$work/$name" "$@" > "$work/$name.log"
}
run budget --memory-budget "$budget"
if [ "${PLAIN:-0}" = 1 ]; then run plain; fi
python3 - "$work" "$budget" "$out" <<'PY'
import json, os, subprocess, sys
work, budget, out = sys.argv[1:]
def timed(name):
    p = os.path.join(work, name + ".time")
    if not os.path.exists(p):
        return None
    wall, kb = open(p).read().split()[-2:]
    return {"wall_s": float(wall), "peak_rss_mb": round(int(kb) / 1024)}
ok = json.load(open(os.path.join(work, "budget", "_SUCCESS.json")))
layout = json.load(open(os.path.join(work, "budget", "_layout.json")))
size = lambda d: sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
res = {
    "benchmark": "kefu run --memory-budget (issue 14)",
    "build_profile": "release",
    "threads": os.cpu_count(),
    "messages": ok["tables"]["messages"]["rows_read"],
    "orders": ok["tables"]["orders"]["rows_read"],
    "input_mb": round(size(os.path.join(work, "data")) / 2**20),
    "memory_budget": budget,
    "buckets": layout["buckets"],
    "with_budget": timed("budget"),
    "without_budget": timed("plain"),
    "tables": ok["tables"],
    "outputs": ok["outputs"],
    "kefu_version": ok["kefu_version"],
    "cpu": subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip(),
}
json.dump(res, open(out, "w"), indent=2, ensure_ascii=False)
open(out, "a").write("\n")
print(json.dumps({k: res[k] for k in ["messages", "input_mb", "buckets", "with_budget", "without_budget"]}))
PY
