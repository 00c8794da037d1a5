# Shared by bench/*_fill_turn.sh (sourced): fill_turn_setup BUILD_DIR TOOL NAME checks
# that TOOL is installed and that BUILD_DIR holds the product and the real-path bench, and
# sets B (that directory, absolute) and W (a work directory, removed on exit).
fill_turn_setup() {
    B=$(cd "$1" && pwd)
    command -v "$2" >/dev/null || { echo "$2 is not installed" >&2; exit 2; }
    [ -x "$B/bin/opensqt" ] && [ -x "$B/bench/bench_tick_to_order_real" ] ||
        { echo "$B has no bin/opensqt or bench/bench_tick_to_order_real" >&2; exit 2; }
    W=$(mktemp -d "/tmp/sqt-$3.XXXXXX")
    trap 'rm -rf "$W"' EXIT
}
