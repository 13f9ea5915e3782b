#!/bin/sh
# test_readme.sh - the README's C example is a real program: its ```c block (the first one after "## The C API")
# is examples/embed.c byte for byte, and compiles as written - as C and as C++, each in a translation unit of its
# own next to tools/albert.c - and prints the sentence vector that `albert-cli embed` gives for the same text.
# Also: the README's first path from a clone stays the two commands `make demo` and `make test`.
set -u
B=${B:-../build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
CC=${CC:-cc}
CXX=${CXX:-c++}

awk '/^## The C API/ { api = 1 } api && /^```c$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' \
    ../README.md > "$T/readme.c"
[ -s "$T/readme.c" ] || bad "no \`\`\`c block after '## The C API' in README.md"
cmp -s "$T/readme.c" ../examples/embed.c || bad "README.md's C block is not examples/embed.c: $(diff "$T/readme.c" ../examples/embed.c | head -5)"
grep -q '^make demo ' ../README.md && grep -q '^make test ' ../README.md || bad "README.md lost 'make demo' / 'make test'"

WARN="-Wall -Wextra -pedantic -Werror"
$CC -std=c99 -O1 $WARN -I.. -c -o "$T/albert.o" ../tools/albert.c || bad "tools/albert.c does not compile as C"
$CC -std=c99 -O1 $WARN -I.. -c -o "$T/readme-c.o" "$T/readme.c" || bad "the README example does not compile as C"
$CXX -std=c++11 -O1 $WARN -I.. -x c++ -c -o "$T/readme-cxx.o" "$T/readme.c" || bad "the README example does not compile as C++"
$CC -o "$T/embed-c" "$T/readme-c.o" "$T/albert.o" -lm -lpthread || bad "cannot link the C program"
$CXX -o "$T/embed-cxx" "$T/readme-cxx.o" "$T/albert.o" -lm -lpthread || bad "cannot link the C++ program"

$B/albert-convert -q --vocab data/tok/en.model data/demo "$T/demo.albert" || bad "cannot convert the demo model"
TEXT="ALBERT shares one layer across the whole network."
printf '%s\n' "$TEXT" | $B/albert-cli embed "$T/demo.albert" > "$T/cli.txt" || bad "albert-cli embed failed"
for prog in embed-c embed-cxx; do
    if "$T/$prog" "$T/demo.albert" "$TEXT" > "$T/$prog.txt"; then
        paste -d '\n' "$T/$prog.txt" "$T/cli.txt" | awk '
            NR == 1 { na = split($0, a, " ") } NR == 2 { nb = split($0, b, " ") }
            END { if (na != 32 || nb != 32) exit 1
                  for (i = 1; i <= na; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > 1e-5 * (1 + (b[i] < 0 ? -b[i] : b[i]))) exit 1 } }' ||
            bad "$prog's vector differs from albert-cli embed's: $(head -c 200 "$T/$prog.txt")"
    else
        bad "$prog failed"
    fi
    "$T/$prog" "$T/demo.albert" > /dev/null 2>&1; [ $? -eq 2 ] || bad "$prog without TEXT: exit status is not 2"
    "$T/$prog" "$T/missing.albert" x > /dev/null 2> "$T/err"; [ $? -eq 1 ] && grep -q "cannot open (No such file or directory)" "$T/err" ||
        bad "$prog on a missing file: $(cat "$T/err")"
done
echo "test_readme.sh: $fail failed"
[ "$fail" -eq 0 ]
