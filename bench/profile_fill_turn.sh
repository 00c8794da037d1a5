#!/bin/bash
# Where a fill turn's time goes on the product's real path, cold as it runs: while
# bench_tick_to_order_real runs, `perf` samples the `opensqt` process on its CPU clock
# (a timer, so it works on guests without PMU counters) with DWARF call chains, and the
# system-call tracepoints cut the samples into turns: from the loop's wake
# (epoll_wait's return) to the turn's first sendto. Only the turns that sent (the fill
# turns and the price turns that placed) count. It prints the share of samples under each
# of the product's own functions (inclusive) and, per function named on the command line,
# its callees in sampled µs per turn. The sampling interrupts inflate every turn
# (~2.7x at the default 20 µs period): read shares and ratios, not absolute times. Needs
# perf and permission to trace (root, or perf_event_paranoid <= 1 and tracefs access).
#
#   bench/profile_fill_turn.sh [BUILD_DIR [FUNCTION...]]
#   (default build; a Release build with -g names the inlined code; e.g.
#    bench/profile_fill_turn.sh build-perf sqt_bn_fast_user on_order sqt_http_send)
set -eu
. "$(dirname "$0")/fill_turn_lib.sh"
fill_turn_setup "${1:-build}" perf prof
shift || true
O="$B/bin/opensqt"
PERIOD_NS=${SQT_PROF_PERIOD_NS:-20000}
(
    # the product starts a few seconds into the bench (emulator, relay, start-up)
    for _ in $(seq 1 100); do pgrep -n -f "$O run" >/dev/null && break; sleep 0.1; done
    sleep 2
    pid=$(pgrep -n -f "$O run") || exit 0
    perf record -q -o "$W/perf.data" -e cpu-clock -c "$PERIOD_NS" --call-graph dwarf,8192 \
        -e syscalls:sys_exit_epoll_wait -e syscalls:sys_enter_sendto -p "$pid" \
        -- sleep "${SQT_PROF_SECONDS:-20}" >/dev/null 2>&1
) &
SQT_BENCH_OPENSQT="$O" SQT_BENCH_FLOOR_PROCESS=1 SQT_BENCH_ROUNDS="${SQT_BENCH_ROUNDS:-3}" \
    "$B/bench/bench_tick_to_order_real" | grep -E "host: fill|floor: ws" || true
wait
[ -s "$W/perf.data" ] || { echo "no samples (permission to trace?)" >&2; exit 1; }
perf script -i "$W/perf.data" -F tid,time,event,ip,sym,dso > "$W/script.txt" 2>/dev/null
python3 - "$W/script.txt" "$PERIOD_NS" "$@" <<'PY'
import collections, re, sys
path, period_us, funcs = sys.argv[1], int(sys.argv[2]) / 1000.0, sys.argv[3:]
OWN = ("opensqt", "binance.so", "bitget.so", "gate.so")
recs, cur = [], None
for line in open(path):
    if not line.strip():
        if cur: recs.append(cur)
        cur = None
        continue
    m = re.match(r"\s*(\d+)\s+([\d.]+):\s+(\S+):", line)
    if m and not line.startswith("\t"):
        cur = [float(m.group(2)) * 1e6, m.group(3), []]
        continue
    m = re.match(r"\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
    if m and cur:
        cur[2].append((m.group(1), m.group(2).rsplit("/", 1)[-1]))
if cur: recs.append(cur)
samples, turns, i = [], 0, 0
while i < len(recs):
    if not recs[i][1].endswith("sys_exit_epoll_wait"):
        i += 1
        continue
    j, s = i + 1, []
    while j < len(recs) and not recs[j][1].endswith(("sys_exit_epoll_wait", "sys_enter_sendto")):
        if recs[j][1] == "cpu-clock": s.append(recs[j][2])
        j += 1
    if j < len(recs) and recs[j][1].endswith("sys_enter_sendto"):
        turns += 1
        samples += s
    i = j
if not turns:
    sys.exit("no turn that sent was sampled")
print(f"turns that sent: {turns}; samples in them: {len(samples)}; "
      f"{len(samples) * period_us / turns:.0f} sampled µs per turn (inflated by the sampling)")
incl = collections.Counter()
for chain in samples:
    for sym in {s for s, d in chain if d in OWN}: incl[sym] += 1
print("the product's own functions, inclusive share of the turns' samples:")
for sym, n in incl.most_common(30):
    print(f"  {100.0 * n / len(samples):5.1f} %  {sym}")
for f in funcs:
    kids = collections.Counter()
    for chain in samples:
        names = [s for s, d in chain]
        if f in names:
            k = names.index(f)
            kids[names[k - 1] if k > 0 else "(self)"] += 1
    print(f"callees of {f}, sampled µs per turn:")
    for sym, n in kids.most_common(12):
        print(f"  {n * period_us / turns:7.1f}  {sym}")
PY
