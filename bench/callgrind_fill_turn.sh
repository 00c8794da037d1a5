#!/bin/bash
# Instructions and simulated cache misses per fill turn on the product's real path:
# bench_tick_to_order_real runs `opensqt` under callgrind (collection on while the user
# stream's messages are handled: the fill push's parse, the engine, the intent log, the
# request built, signed and handed to curl), then prints, per call, the inclusive
# instructions (Ir), I1 and D1 misses of the stages. Needs valgrind (a dev tool, not a
# product dependency: apt-get install valgrind). Counts are deterministic where timings
# on a shared guest are not; valgrind runs no SHA-NI, so the signature's SHA blocks are
# over-counted (~4,800 instructions per order).
#
#   bench/callgrind_fill_turn.sh [BUILD_DIR]    (default: build; a -O2 -g build is best)
set -eu
. "$(dirname "$0")/fill_turn_lib.sh"
fill_turn_setup "${1:-build}" valgrind cg
cat > "$W/opensqt" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$W/cg.out --dump-instr=no \\
    --cache-sim=yes --collect-atstart=no --toggle-collect=hook_on_message \\
    "$B/bin/opensqt" "\$@"
WRAP
chmod +x "$W/opensqt"
SQT_BENCH_OPENSQT="$W/opensqt" SQT_BENCH_ROUNDS=1 SQT_BENCH_TICKS="${SQT_CG_TICKS:-100}" \
    SQT_BENCH_GAP_MS=100 "$B/bench/bench_tick_to_order_real" | grep -E "product: agg|stamps:" || true
[ -s "$W/cg.out" ] || { echo "no callgrind output" >&2; exit 1; }
callgrind_annotate --inclusive=yes --tree=calling "$W/cg.out" > "$W/tree.txt" 2>/dev/null
python3 - "$W/tree.txt" <<'PY'
import re, sys
want = ['on_order', 'app_send_now', 'sqt_grid_on_order_update', 'sqt_bn_fast_user',
        'sqt_bn_place_orders', 'sqt_kit_rest_send', 'sqt_http_send']
calls, cost = {}, {}
def name(rest):
    m = re.match(r'\s*\S*?:([^\s\[]+)', rest)
    return m.group(1) if m else None
for l in open(sys.argv[1]):
    if '  *  ' in l:
        left, rest = l.split('  *  ', 1)
        f = name(rest)
        if f in want and f not in cost:
            cost[f] = [int(x.replace(',', '')) if x != '.' else 0
                       for x in re.sub(r'\([^)]*\)', ' ', left).split()]
    elif '  >   ' in l:
        rest = l.split('  >   ', 1)[1]
        f = name(rest)
        m = re.search(r'\((\d+)x\)', rest)
        if f in want and m:
            calls[f] = calls.get(f, 0) + int(m.group(1))
print(f"{'stage (inclusive)':28s} {'calls':>6s} {'Ir/call':>8s} {'I1mr/call':>9s} {'D1mr/call':>9s}")
for f in want:
    if f in cost and calls.get(f):
        c = calls[f]; v = cost[f]
        print(f"{f:28s} {c:6d} {v[0] // c:8d} {v[3] // c:9d} {v[4] // c:9d}")
PY
