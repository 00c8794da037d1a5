#!/usr/bin/env python3
"""Medians of a fill turn's stages from the rows bench/stage_stamps.patch writes.

usage: bench/stamps.py ROWS_FILE [TSC_GHZ]   (default 2.6; dmesg says "tsc: Detected")

Each row is one fill turn: TSC cycles from the turn's first WebSocket read to each stage
(0: not reached). Rows that lack a stage of the request's path or whose curl call took
more than 2 ms are left out."""
import statistics
import sys

NAMES = ['first read', 'user push read', 'on_order', 'engine apply', 'send part',
         'executor flush', 'send_batch', 'sqt_http_send', 'curl started', 'curl returned']


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ghz = float(sys.argv[2]) if len(sys.argv) > 2 else 2.6
    rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
    rows = [r for r in rows if len(r) == len(NAMES) and all(r[i] > 0 for i in (1, 2, 7, 8, 9))
            and r[9] < ghz * 1e3 * 2000]
    print('fill turns: %d' % len(rows))
    us = lambda c: c / ghz / 1e3
    for i, n in enumerate(NAMES[1:], 1):
        v = [us(r[i]) for r in rows if r[i] > 0]
        if v:
            print('  %-16s n=%5d  p50 %7.1f us  p90 %7.1f' %
                  (n, len(v), statistics.median(v), sorted(v)[int(len(v) * 0.9)]))
    print('stage to stage (p50 of each turn\'s difference):')
    for a, b in zip(range(len(NAMES) - 1), range(1, len(NAMES))):
        d = [us(r[b] - r[a]) for r in rows if (a == 0 or r[a] > 0) and r[b] >= r[a]]
        if d:
            print('  %-14s -> %-14s p50 %6.1f us  p90 %6.1f' %
                  (NAMES[a], NAMES[b], statistics.median(d), sorted(d)[int(len(d) * 0.9)]))


if __name__ == '__main__':
    main()
