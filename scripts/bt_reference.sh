#!/bin/sh
# The backtest's outputs as a hash list: summaries (text and JSON), JSON event logs,
# charts and sweep tables over the repo's sample data and generated GBM / walk files,
# for several configs (fill-heavy GBM, post-only rejects under latency, margin lock on a
# small wallet, a tight token bucket, risk pauses). A change to the engine's or the
# simulated exchange's speed must leave every line the same:
#   scripts/bt_reference.sh build/bin/opensqt | diff scripts/bt_reference.expected -
# (bt_reference.expected: made on main e0380b9, before the fill-path work of issue 17)
# The data is generated with integer arithmetic in awk, so it is the same on any machine.
set -eu
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/sqt_btref.XXXXXX)
[ -n "${SQT_BTREF_KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
cd "$W"

# aggTrades rows: id,price,qty,first,last,time,buyer_maker. mode gbm: multiplicative
# steps of about `sig` ppm (sum of 4 uniforms, integer ppm); mode walk: +-1 tick.
gen() { # mode rows sig_ppm seed
    awk -v mode="$1" -v n="$2" -v sig="$3" -v x="$4" 'BEGIN {
        p = 300000; t = 1704067200000;
        for (i = 1; i <= n; i++) {
            s = 0;
            for (k = 0; k < 4; k++) { x = (x * 16807) % 2147483647; s += x % 2001 - 1000; }
            if (mode == "walk") p += (s >= 0) ? 1 : -1;
            else { d = int(p * s * sig / 2000000000); p += d; if (p < 1000) p = 1000; }
            x = (x * 16807) % 2147483647; t += x % 120;
            printf "%d,%d.%02d,0.%03d,%d,%d,%.0f,%s\n", i, int(p / 100), p % 100, x % 999 + 1,
                   i, i, t, (x % 2) ? "true" : "false";
        }
    }'
}
gen gbm 300000 200 42 > gbm.csv
gen gbm 200000 10 7 > calm.csv
gen walk 300000 0 11 > walk.csv
cp "$ROOT"/tests/data/paper/aggtrades_futures.csv "$ROOT"/tests/data/paper/klines_1m_header.csv .

cfg() { # name interval extra-trading-lines risk
    {
        printf 'app:\n  current_exchange: binance\nexchanges:\n  binance:\n    fee_rate: 0.0002\n'
        printf '    tick_size: 0.01\n    step_size: 0.001\n    min_notional: 5\n'
        printf 'trading:\n  symbol: ETHUSDT\n  price_interval: %s\n  order_quantity: 30\n' "$2"
        printf '  min_order_value: 20\n  buy_window_size: 10\n  sell_window_size: 10\n%b' "$3"
        printf 'risk_control:\n  enabled: %s\n' "$4"
    } > "$1"
}
cfg base.yaml 2 '' false
cfg fine.yaml 0.5 '' false
cfg walk.yaml 0.05 '' false
cfg tight.yaml 0.5 '  rate_limit_per_sec: 1\n  rate_limit_burst: 2\n' false
cfg postonly.yaml 0.2 '  post_only_max_failures: 1\n' false
cfg risk.yaml 1 '' true

run() { # tag args...
    tag=$1; shift
    rc=0
    "$BIN" backtest --no-progress "$@" > "$tag.out" 2> "$tag.err" || rc=$?
    echo "$tag rc=$rc $(sha256sum < "$tag.out" | cut -c1-16) $(grep -v '^opensqt backtest: wrote' "$tag.err" | sha256sum | cut -c1-16)"
}
outs() { # dir
    for f in $(cd "$1" && find . -type f | LC_ALL=C sort); do
        echo "  $1/${f#./} $(sha256sum < "$1/$f" | cut -c1-16)"
    done
}

run gbm-I2 -c base.yaml --data gbm.csv --out o-gbm2
outs o-gbm2
run gbm-I2-json -c base.yaml --data gbm.csv --json
run gbm-I0.5 -c fine.yaml --data gbm.csv --json --events ev-gbm05.jsonl
outs . | grep ev-gbm05
run gbm-I0.5-lat -c fine.yaml --data gbm.csv --latency 150 --out o-gbmlat
outs o-gbmlat
run gbm-postonly -c postonly.yaml --data gbm.csv --latency 40 --out o-po
outs o-po
run gbm-margin -c base.yaml --data gbm.csv --balance 300 --leverage 1 --out o-margin
outs o-margin
run gbm-tight -c tight.yaml --data gbm.csv --out o-tight
outs o-tight
run gbm-risk -c risk.yaml --data gbm.csv --out o-risk
outs o-risk
run calm-I2 -c base.yaml --data calm.csv --out o-calm
outs o-calm
run calm-I0.5 -c fine.yaml --data calm.csv --json --maker-fee 0.0001 --taker-fee 0.0004
run walk-I0.05 -c walk.yaml --data walk.csv --out o-walk
outs o-walk
run walk-I2 -c base.yaml --data walk.csv --json --from 1704070000000 --to 1704090000000
run sample-agg -c fine.yaml --data aggtrades_futures.csv --out o-agg
outs o-agg
run sample-klines -c walk.yaml --data klines_1m_header.csv --out o-kl
outs o-kl
run sweep -c base.yaml --data gbm.csv --jobs 2 --sweep price_interval=0.5,1,2 \
    --sweep order_quantity=20,30 --rank realized_pnl --out o-sweep
outs o-sweep
run sweep-lat -c base.yaml --data walk.csv --jobs 2 --sweep latency_ms=0,100 \
    --sweep rate_limit_per_sec=2,25 --sweep price_interval=0.05,0.1
# what the configs exercised (so a hash list that misses a path shows it)
for t in gbm-I2-json gbm-I0.5 calm-I0.5 walk-I2; do
    printf '%s: ' "$t"; tr ',' '\n' < "$t.out" | grep -E '"(fills|round_trips|post_only_rejects|margin_locks|rejects)"' | tr -d ' \n'; echo
done
for d in o-po o-margin o-tight o-risk o-gbmlat; do
    printf '%s: ' "$d"; tr ',' '\n' < "$d/summary.json" | grep -E '"(fills|post_only_rejects|post_only_degrades|margin_locks|rejects|risk_pauses|requests)"' | tr -d ' \n'; echo
done
