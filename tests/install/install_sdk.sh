#!/usr/bin/env bash
# usage: install_sdk.sh BUILD_DIR SOURCE_DIR
# Proves the install tree is enough for a third party: the plugin guide's quick start,
# run exactly as written (its first sh block, with HOME a scratch directory): install
# into $HOME/opensqt, build the example plugin from the installed copy against the
# installed header and plugin kit, run its unit test through the installed fake host,
# let the installed opensqt accept it; then the same from its default plugin directory
# (found relative to the binary).
set -euo pipefail
build=$1
src=$2
make=${MAKE:-make}

tmp=$(mktemp -d /tmp/sqt-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_sdk: FAILED: $*" >&2; exit 1; }

# The guide's quick start: the first ```sh block after "## 1. Quick start".
guide=$src/docs/plugin-guide.md
awk '/^## 1\. Quick start/{q=1} q&&/^```sh$/{b=1;next} b&&/^```$/{exit} b{print}' "$guide" \
    >"$tmp/quickstart.sh"
[ -s "$tmp/quickstart.sh" ] || fail "no quick start block in docs/plugin-guide.md"
grep -q '^make check$' "$tmp/quickstart.sh" || fail "the quick start does not run make check"
mkdir -p "$tmp/home" "$tmp/work"
ln -s "$(cd "$build" && pwd)" "$tmp/work/build"
(cd "$tmp/work" && env -i PATH="$PATH" HOME="$tmp/home" MAKE="$make" \
    bash -euo pipefail "$tmp/quickstart.sh") >"$tmp/quickstart.log" 2>&1 ||
    { cat "$tmp/quickstart.log" >&2; fail "the guide's quick start, as written"; }
cat "$tmp/quickstart.log"
grep -q "test_example: ok" "$tmp/quickstart.log" || fail "make check did not pass"
prefix=$tmp/home/opensqt
so=$tmp/work/myex/example.so
[ -f "$so" ] || fail "the quick start built no example.so"
grep -q "^  ok       example 1.0.0 (ABI [0-9]*\.[0-9]*) .*example\.so\$" "$tmp/quickstart.log" ||
    fail "example not listed as accepted by the quick start's opensqt plugins"
for f in include/opensqt/pluginkit.h include/opensqt/fakehost.h lib/libopensqt-pluginkit.a \
         lib/libopensqt-fakehost.a lib/pkgconfig/opensqt-pluginkit.pc \
         lib/pkgconfig/opensqt-fakehost.pc; do
    [ -f "$prefix/$f" ] || fail "$f not installed"
done

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

# The installed example is the source tree's, and was built against the installed SDK.
exdir=$(pkg --variable=exampledir)
for f in example.c test_example.c Makefile; do
    cmp -s "$exdir/$f" "$src/sdk/example/$f" || fail "installed $f differs from sdk/example/$f"
done
grep -q -- "-I$prefix/include" "$tmp/quickstart.log" ||
    fail "the example was not compiled against the installed header"
exports=$(nm -D --defined-only "$so" | awk '{print $3}')
[ "$exports" = "sqt_plugin_entry" ] || fail "example.so exports '$exports'"
if nm -D --undefined-only "$so" | awk '{print $2}' | grep -q '^sqt_'; then
    fail "example.so has undefined sqt_ symbols (the kit must be linked in)"
fi
mkdir -p "$tmp/work2"
cp -r "$tmp/work/myex" "$tmp/work2/example"

# make install drops it into the installed plugin directory, where the installed host
# looks by default (relative to its own location: the prefix may be anywhere).
env -u PKG_CONFIG_LIBDIR "$make" -C "$tmp/work2/example" install PKG_CONFIG_PATH="$pcdir" \
    >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log" >&2; fail "make install"; }
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
