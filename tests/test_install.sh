#!/bin/sh
# test_install.sh - make install into a temporary DESTDIR, then an outside program (examples/embed.c, copied away
# from the source tree) built with nothing but `pkg-config --cflags --libs albert`, as C and as C++; the installed
# tools run; make uninstall removes every installed file.
set -u
B=${B:-../build}
MAKE=${MAKE:-make}
OPT=${OPT:-}   # the build's flags (a sanitizer build's libalbert.a needs them at link time too)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
CC=${CC:-cc}
CXX=${CXX:-c++}
BUILD=${B#../}
ROOT=$T/root
PREFIX=/opt/albert-test
command -v pkg-config > /dev/null 2>&1 || { echo "FAIL: pkg-config is not installed"; exit 1; }

$MAKE -s -C .. B="$BUILD" install DESTDIR="$ROOT" PREFIX="$PREFIX" > "$T/install.log" 2>&1 || bad "make install: $(tail -5 "$T/install.log")"
for f in include/albert.h bin/albert-cli bin/albert-convert lib/libalbert.a lib/pkgconfig/albert.pc; do
    [ -f "$ROOT$PREFIX/$f" ] || bad "make install did not install $f"
done
cmp -s "$ROOT$PREFIX/include/albert.h" ../albert.h || bad "the installed albert.h differs"
grep -qx "prefix=$PREFIX" "$ROOT$PREFIX/lib/pkgconfig/albert.pc" || bad "albert.pc: prefix is not $PREFIX"

export PKG_CONFIG_SYSROOT_DIR="$ROOT" PKG_CONFIG_LIBDIR="$ROOT$PREFIX/lib/pkgconfig"
FLAGS=$(pkg-config --cflags --libs albert) || bad "pkg-config --cflags --libs albert failed"
VERSION=$(sed -n 's/^#define ALBERT_VERSION_STRING "\(.*\)"/\1/p' ../albert.h)
[ "$(pkg-config --modversion albert)" = "$VERSION" ] || bad "pkg-config --modversion albert: $(pkg-config --modversion albert)"
echo "$FLAGS" | grep -q -- "-I$ROOT$PREFIX/include" && echo "$FLAGS" | grep -q -- "-lalbert" &&
    echo "$FLAGS" | grep -q -- "-lm" && echo "$FLAGS" | grep -q -- "-lpthread" || bad "pkg-config flags: $FLAGS"

mkdir "$T/outside"
cp ../examples/embed.c "$T/outside/main.c"
cat > "$T/outside/version.c" <<'EOC'
#include <albert.h>
#include <stdio.h>
#include <string.h>
int main(void) { printf("%s\n", albert_version()); return strcmp(albert_version(), ALBERT_VERSION_STRING) != 0; }
EOC
(
    cd "$T/outside" &&
        $CC -std=c99 $OPT -Wall -Wextra -pedantic -Werror -o embed main.c $FLAGS &&
        $CXX -std=c++11 $OPT -Wall -Wextra -pedantic -Werror -x c++ -o embed-cxx main.c -x none $FLAGS &&
        $CC -std=c99 $OPT -Wall -Wextra -pedantic -Werror -o version version.c $FLAGS
) > "$T/build.log" 2>&1 || bad "building outside programs with pkg-config: $(tail -5 "$T/build.log")"
[ "$("$T/outside/version" 2>&1)" = "$VERSION" ] || bad "albert_version() of the installed library: $("$T/outside/version" 2>&1)"

"$ROOT$PREFIX/bin/albert-convert" -q --vocab data/tok/en.model data/demo "$T/demo.albert" || bad "the installed albert-convert failed"
[ "$("$ROOT$PREFIX/bin/albert-cli" --version)" = "albert-cli $VERSION (albert.h $VERSION, model format 1)" ] ||
    bad "the installed albert-cli --version"
TEXT="Hello world!"
printf '%s\n' "$TEXT" | "$ROOT$PREFIX/bin/albert-cli" embed "$T/demo.albert" > "$T/cli.txt" || bad "the installed albert-cli embed failed"
for prog in embed embed-cxx; do
    "$T/outside/$prog" "$T/demo.albert" "$TEXT" > "$T/$prog.txt" || bad "$prog failed"
    paste -d '\n' "$T/$prog.txt" "$T/cli.txt" | awk '
        NR == 1 { na = split($0, a, " ") } NR == 2 { nb = split($0, b, " ") }
        END { if (na != 32 || nb != 32) exit 1
              for (i = 1; i <= na; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > 1e-5 * (1 + (b[i] < 0 ? -b[i] : b[i]))) exit 1 } }' ||
        bad "$prog (built with pkg-config) differs from albert-cli embed"
done

$MAKE -s -C .. B="$BUILD" uninstall DESTDIR="$ROOT" PREFIX="$PREFIX" > "$T/uninstall.log" 2>&1 || bad "make uninstall: $(tail -5 "$T/uninstall.log")"
left=$(find "$ROOT" -type f | sed "s|^$ROOT||")
[ -z "$left" ] || bad "make uninstall left: $left"
echo "test_install.sh: $fail failed"
[ "$fail" -eq 0 ]
