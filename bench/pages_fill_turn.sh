#!/bin/bash
# Code pages (4 KiB) touched per fill turn on the product's real path, per object, and the
# product's own functions on that path that are not marked SQT_HOT.
#
# bench_tick_to_order_real runs `opensqt` under callgrind with its counters zeroed at each
# WebSocket read (host/net/ws.c on_read) and dumped at each send (the libc call curl
# writes a request with), so a dump holding the engine's order update is one fill turn
# from the read of the push to the order request's write. A turn that starts cold (the
# process slept between ticks) pays a TLB miss and cache misses for every distinct page
# of code it runs; the functions marked SQT_HOT (sdk/include/opensqt/plugin.h) are
# grouped so that the product's own part is a few pages. The counts are deterministic
# (valgrind's own load addresses, page granularity), where timings on a shared guest are
# not. Needs valgrind (a dev tool: apt-get install valgrind) and a build with symbols
# (-g, e.g. Release with CMAKE_C_FLAGS=-g) whose object files are still in place.
#
#   bench/pages_fill_turn.sh [BUILD_DIR]     (default: build)
set -eu
. "$(dirname "$0")/fill_turn_lib.sh"
fill_turn_setup "${1:-build}" valgrind pages
# the functions the compiler put in .text.hot, from the objects of the host and plugins
find "$B" -name '*.o' -print0 | xargs -0 objdump -t 2>/dev/null |
    awk '$4 == ".text.hot" { print $NF }' | sort -u > "$W/hot.txt"
cat > "$W/opensqt" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$W/cg.out --dump-instr=yes --dump-line=no \\
    --compress-pos=no --compress-strings=no --zero-before=on_read --dump-before=send \\
    "$B/bin/opensqt" "\$@"
WRAP
chmod +x "$W/opensqt"
SQT_BENCH_OPENSQT="$W/opensqt" SQT_BENCH_ROUNDS=1 SQT_BENCH_TICKS="${SQT_PAGES_TICKS:-30}" \
    SQT_BENCH_GAP_MS=100 "$B/bench/bench_tick_to_order_real" >/dev/null
ls "$W"/cg.out.* >/dev/null 2>&1 || { echo "no callgrind output" >&2; exit 1; }
python3 - "$W" <<'PY'
import collections, glob, os, re, sys
w = sys.argv[1]
hot = set(open(os.path.join(w, 'hot.txt')).read().split())
own = ('opensqt', 'binance.so', 'bitget.so', 'gate.so')
turns = []
for path in glob.glob(os.path.join(w, 'cg.out.*')):
    ob = fn = None
    call = fill = False
    pages = collections.defaultdict(set)
    fns = set()
    for line in open(path):
        if line.startswith('ob='):
            ob = os.path.basename(line[3:].strip())
        elif line.startswith('fn='):
            fn = line[3:].strip()
            fill = fill or fn == 'sqt_grid_on_order_update'
        elif line.startswith('calls='):
            call = True
        elif line.startswith('0x'):
            if call:          # a call's inclusive cost: the callee's pages count there
                call = False
                continue
            pages[ob].add(int(line.split()[0], 16) >> 12)
            fns.add((ob, fn))
    if fill:
        turns.append((pages, fns))
if not turns:
    sys.exit('no fill turn in the dumps')
n = len(turns)
objs = sorted({o for p, _ in turns for o in p})
def median(v):
    v = sorted(v)
    return v[len(v) // 2]
rows = [(median([len(p.get(o, ())) for p, _ in turns]), o) for o in objs]
print(f'fill turns: {n}; code pages touched per turn, read of the push -> request written')
print(f"{'object':32s} {'median':>7s} {'min':>5s} {'max':>5s}")
for m, o in sorted(rows, reverse=True):
    v = [len(p.get(o, ())) for p, _ in turns]
    if max(v):
        print(f'{o:32s} {m:7d} {min(v):5d} {max(v):5d}')
print(f"{'total':32s} {median([sum(len(s) for s in p.values()) for p, _ in turns]):7d}")
seen = collections.Counter(x for _, f in turns for x in f)
cold = sorted({(o, f) for (o, f), c in seen.items()
               if o in own and 2 * c >= n and re.sub(r"'\d+$", '', f) not in hot})
print(f'product functions run in at least half the fill turns and not SQT_HOT: {len(cold)}')
for o, f in cold:
    print(f'  {o}: {f}')
PY
