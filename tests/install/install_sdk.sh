#!/usr/bin/env bash
# usage: install_sdk.sh BUILD_DIR SOURCE_DIR
# Proves the install tree is enough for a third party: cmake --install into a scratch
# prefix, build the example plugin from the installed copy with only pkg-config and
# the installed header, then let the installed opensqt accept it, both from an
# explicit --plugin-dir and from its default directory (found relative to the binary).
set -euo pipefail
build=$1
src=$2
make=${MAKE:-make}

tmp=$(mktemp -d /tmp/sqt-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install_sdk: FAILED: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install"; }

pc=$(find "$prefix" -name opensqt-sdk.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "opensqt-sdk.pc not installed"
pcdir=$(dirname "$pc")
[ -f "$prefix/include/opensqt/plugin.h" ] || fail "SDK header not installed"
[ -x "$prefix/bin/opensqt" ] || fail "opensqt not installed"

# The .pc file names the prefix it was installed to, not the configured one.
pkg() { PKG_CONFIG_LIBDIR="$pcdir" PKG_CONFIG_PATH= pkg-config "$@" opensqt-sdk; }
cflags=$(pkg --cflags)
case " $cflags " in
*" -I$prefix/include "*) ;;
*) fail "pkg-config --cflags gives '$cflags', expected -I$prefix/include" ;;
esac
plugindir=$(pkg --variable=plugindir)
[ -d "$plugindir" ] && [ "${plugindir#"$prefix"/}" != "$plugindir" ] ||
    fail "plugindir '$plugindir' is not an installed directory under $prefix"
[ "$(pkg --variable=abi_major)" = "$(sed -n 's/^#define SQT_PLUGIN_ABI_MAJOR \([0-9]*\)$/\1/p' "$src/sdk/include/opensqt/plugin.h")" ] ||
    fail "abi_major of the .pc file differs from the header"

# Build the installed example out of tree: no source tree header is reachable.
exdir=$(pkg --variable=exampledir)
for f in example.c Makefile; do
    cmp -s "$exdir/$f" "$src/sdk/example/$f" || fail "installed $f differs from sdk/example/$f"
done
mkdir -p "$tmp/work"
cp -r "$exdir" "$tmp/work/example"
env -u CPATH -u C_INCLUDE_PATH -u PKG_CONFIG_LIBDIR \
    "$make" -C "$tmp/work/example" PKG_CONFIG_PATH="$pcdir" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log" >&2; fail "make of the example"; }
grep -q -- "-I$prefix/include" "$tmp/make.log" ||
    { cat "$tmp/make.log" >&2; fail "the example was not compiled against the installed header"; }
so=$tmp/work/example/example.so
[ -f "$so" ] || fail "example.so not built"
exports=$(nm -D --defined-only "$so" | awk '{print $3}')
[ "$exports" = "sqt_plugin_entry" ] || fail "example.so exports '$exports'"

# The installed host accepts it.
out=$(env -u OPENSQT_PLUGIN_DIR "$prefix/bin/opensqt" plugins --plugin-dir "$tmp/work/example") ||
    fail "opensqt plugins --plugin-dir exited $?"
echo "$out"
grep -q "^  ok       example 1.0.0 (ABI [0-9]*\.[0-9]*) $so\$" <<<"$out" ||
    fail "example not listed as accepted"

# make install drops it into the installed plugin directory, where the installed host
# looks by default (relative to its own location: the prefix may be anywhere).
env -u PKG_CONFIG_LIBDIR "$make" -C "$tmp/work/example" install PKG_CONFIG_PATH="$pcdir" \
    >>"$tmp/make.log" 2>&1 || { cat "$tmp/make.log" >&2; fail "make install"; }
[ -f "$plugindir/example.so" ] || fail "make install did not copy example.so to $plugindir"
out=$(env -u OPENSQT_PLUGIN_DIR "$prefix/bin/opensqt" plugins) ||
    fail "opensqt plugins exited $?"
echo "$out"
grep -q "^plugin directory: $plugindir\$" <<<"$out" ||
    fail "the installed host does not default to $plugindir"
grep -q "^  ok       example 1.0.0 (ABI [0-9]*\.[0-9]*) $plugindir/example.so\$" <<<"$out" ||
    fail "example not found in the default plugin directory"
if grep -q "^  refused" <<<"$out"; then
    fail "an installed plugin is refused"
fi

if [ -f "$src/deploy/opensqt@.service" ]; then
    [ -n "$(find "$prefix" -name 'opensqt@.service')" ] || fail "opensqt@.service not installed"
fi
echo "install_sdk: ok"
