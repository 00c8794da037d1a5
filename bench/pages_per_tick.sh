#!/bin/bash
# Memory pages (4 KiB) the product touches per tick on its real path, code and data, per
# mapping, from the kernel's page-table "accessed" bits: the pages a wake after sleep
# pays a page walk for (on a virtual machine ~1 µs each when cold, bench/README.md).
#
# bench_tick_to_order_real runs `opensqt` + `binance.so` with ticks 400 ms apart. Beside
# it, every 300 ms this script clears the product's accessed bits (/proc/PID/clear_refs,
# which also flushes its TLB) and reads back what was touched since (the "Referenced"
# lines of /proc/PID/smaps). A window that ran the plugin's code holds a tick: its fill
# turn and all the work after the order request (journal transaction, audit, the
# exchange's answers); the others hold only the loop's timers. The windows are not tied
# to the ticks: a tick cut in two by a window's edge reads low, so the medians are given.
# Unlike bench/pages_fill_turn.sh (code pages of the fill turn alone, under callgrind),
# this counts data pages too (heap, stack, each library's data) at full speed.
#
#   bench/pages_per_tick.sh [BUILD_DIR]     (default: build; any build type)
set -eu
. "$(dirname "$0")/fill_turn_lib.sh"
fill_turn_setup "${1:-build}" python3 refs
SQT_BENCH_OPENSQT="$B/bin/opensqt" SQT_BENCH_ROUNDS=1 SQT_BENCH_TICKS="${SQT_PAGES_TICKS:-40}" \
    SQT_BENCH_GAP_MS=400 "$B/bench/bench_tick_to_order_real" >"$W/bench.txt" 2>&1 &
bench=$!
pid=
for _ in $(seq 1 100); do
    pid=$(pgrep -n -f "^$B/bin/opensqt run" || true)
    [ -n "$pid" ] && break
    sleep 0.1
done
[ -n "$pid" ] || { echo "the product did not start" >&2; wait "$bench"; exit 1; }
python3 - "$pid" <<'PY' || true
import collections, re, statistics, sys, time
pid = sys.argv[1]
ticks, idle = [], []
def touched():
    got, cur = collections.Counter(), None
    for line in open('/proc/%s/smaps' % pid):
        if re.match(r'[0-9a-f]+-[0-9a-f]+ ', line):
            f = line.split()
            name = f[5].rsplit('/', 1)[-1] if len(f) > 5 else '[anon]'
            cur = '%s %s' % (name, 'code' if 'x' in f[1] else 'data' if 'w' in f[1] else 'rodata')
        elif line.startswith('Referenced:') and int(line.split()[1]) > 0:
            got[cur] += int(line.split()[1]) // 4
    return got
try:
    while True:
        open('/proc/%s/clear_refs' % pid, 'w').write('1')
        time.sleep(0.3)
        got = touched()
        if sum(got.values()) == 0:
            continue
        (ticks if any(k.startswith(('binance', 'libwslay')) for k in got) else idle).append(got)
except (FileNotFoundError, ProcessLookupError):
    pass
def show(label, ws):
    if not ws:
        print('%s: none' % label)
        return
    tot = [sum(w.values()) for w in ws]
    print('%s: %d windows, pages median %d (min %d, max %d)' %
          (label, len(ws), statistics.median(tot), min(tot), max(tot)))
    keys = collections.Counter()
    for w in ws:
        keys.update(w)
    for k, _ in keys.most_common(24):
        print('  %-40s %5.0f' % (k, statistics.median([w.get(k, 0) for w in ws])))
    for kind in ('code', 'rodata', 'data'):
        print('  all %-36s %5.0f' % (kind, statistics.median(
            [sum(v for k, v in w.items() if k.endswith(kind)) for w in ws])))
show('windows with a tick', ticks)
show('windows with timers only', idle)
PY
wait "$bench" || { cat "$W/bench.txt" >&2; exit 1; }
