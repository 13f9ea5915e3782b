#!/bin/sh
# test_cli.sh - albert-cli and albert-convert from the shell (run from tests/ by `make test`; B = the build folder).
#   - every bad-argument case: exact exit code (2 usage, 1 failure) and the exact message;
#   - --help (stdout, exit 0) for both tools and every subcommand, --version;
#   - embed against HuggingFace's hidden states (tests/data/models/tiny goldens, pooled with numpy: mean, cls,
#     pooler, max, --layer, --normalize) and the formats (text, jsonl, npy via numpy.load, f32) against each other;
#   - text input against HF's token ids (tests/data/tok/golden, English): embed of texts == embed --ids of HF's ids,
#     truncation (--max-tokens) == HF's ids truncated, tokenize --file / stdin == HF's ids;
#   - input order kept, empty lines and invalid UTF-8 as documented, search's ranking against numpy's cosine.
set -u
B=${B:-../build}
CLI=$B/albert-cli
CONVERT=$B/albert-convert
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect CODE MESSAGE CMD...: the exit code, and MESSAGE as a whole line of stderr ("" = stderr must be empty).
expect() {
    code=$1 msg=$2
    shift 2
    "$@" > "$T/out" 2> "$T/err" < /dev/null
    rc=$?
    if [ "$rc" -ne "$code" ]; then bad "$* -> exit $rc, expected $code; stderr: $(head -c 400 "$T/err")"; return; fi
    if [ -z "$msg" ]; then
        [ -s "$T/err" ] && { bad "$*: unexpected stderr: $(head -c 400 "$T/err")"; return; }
    elif ! grep -qxF -- "$msg" "$T/err"; then
        bad "$*: stderr lacks the line '$msg': $(head -c 400 "$T/err")"
        return
    fi
    ok
}

# a Python with numpy (Debian: python3-numpy) computes the references
PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" > /dev/null 2>&1 && "$p" -c 'import numpy' > /dev/null 2>&1; then PY=$p; break; fi
done
if [ -z "$PY" ]; then echo "FAIL: no python3 with numpy (apt-get install python3-numpy)"; exit 1; fi

# py SCRIPT ARGS...: runs a check written in Python; its exit status decides
py() {
    name=$1
    shift
    if "$PY" - "$@" > "$T/py.out" 2>&1; then ok; else bad "$name: $(cat "$T/py.out")"; fi
}

TINY=$T/tiny.albert
DEMO=$T/demo.albert
$CONVERT -q data/models/tiny "$TINY" || { echo "FAIL: cannot convert the tiny model"; exit 1; }
$CONVERT -q --vocab data/tok/en.model data/demo "$DEMO" || { echo "FAIL: cannot convert the demo model"; exit 1; }

# ---------------------------------------------------------------- --help, --version
for cmd in info tokenize encode embed search fill-mask sop classify qa ner choose logits; do
    expect 0 "" $CLI $cmd --help
    head -n 1 "$T/out" | grep -q "^usage: albert-cli $cmd " || bad "albert-cli $cmd --help: $(head -n 1 "$T/out")"
done
expect 0 "" $CLI --help
grep -q "^usage: albert-cli COMMAND" "$T/out" || bad "albert-cli --help: $(head -n 1 "$T/out")"
expect 0 "" $CONVERT --help
grep -q "^usage: albert-convert" "$T/out" || bad "albert-convert --help: $(head -n 1 "$T/out")"
VERSION=$(sed -n 's/^#define ALBERT_VERSION_STRING "\(.*\)"/\1/p' ../albert.h)
expect 0 "" $CLI --version
grep -qx "albert-cli $VERSION (albert.h $VERSION, model format 1)" "$T/out" || bad "albert-cli --version: $(cat "$T/out")"
expect 0 "" $CONVERT --version
grep -qx "albert-convert $VERSION (model format 1)" "$T/out" || bad "albert-convert --version: $(cat "$T/out")"

# ---------------------------------------------------------------- bad arguments: exit 2, the exact message
expect 2 "usage: albert-cli COMMAND MODEL ... (albert-cli COMMAND --help for each command)" $CLI
expect 2 'albert-cli: unknown command "frobnicate" (see albert-cli --help)' $CLI frobnicate
expect 2 'albert-cli encode: --layer: "abc" is not an integer' $CLI encode "$TINY" --ids 2,3 --layer abc
expect 2 'albert-cli encode: --layer: "1x" is not an integer' $CLI encode "$TINY" --ids 2,3 --layer 1x
expect 2 'albert-cli encode: --layer: "" is not an integer' $CLI encode "$TINY" --ids 2,3 --layer ''
expect 2 'albert-cli encode: --layer: " 1" is not an integer' $CLI encode "$TINY" --ids 2,3 --layer ' 1'
expect 2 'albert-cli encode: --layer: 99999999999999999999 is out of range (-1000000..1000000)' \
    $CLI encode "$TINY" --ids 2,3 --layer 99999999999999999999
expect 2 'albert-cli encode: --layer: 4 is outside -4..3 for '"$TINY"' (3 layers)' $CLI encode "$TINY" --ids 2,3 --layer 4
expect 2 'albert-cli encode: --threads: "abc" is not an integer' $CLI encode "$TINY" --ids 2,3 --threads abc
expect 2 'albert-cli encode: --threads: -1 is out of range (0..256)' $CLI encode "$TINY" --ids 2,3 --threads -1
expect 2 'albert-cli encode: --threads: 257 is out of range (0..256)' $CLI encode "$TINY" --ids 2,3 --threads 257
expect 2 'albert-cli encode: --ids given more than once' $CLI encode "$TINY" --ids 2,3 --ids 2,4
expect 2 'albert-cli encode: --layer given more than once' $CLI encode "$TINY" --ids 2,3 --layer 1 --layer=2
expect 2 'albert-cli encode: --ids: "2,x" is not a list of integers' $CLI encode "$TINY" --ids 2,x
expect 2 'albert-cli encode: --ids: "2,99999999999" is not a list of integers' $CLI encode "$TINY" --ids 2,99999999999
expect 2 'albert-cli encode: --type-ids must be a list of as many integers as --ids' $CLI encode "$TINY" --ids 2,3 --type-ids 0
expect 2 'albert-cli encode: give exactly one of --ids, --text, --file' $CLI encode "$TINY"
expect 2 'albert-cli encode: give exactly one of --ids, --text, --file' $CLI encode "$TINY" --ids 2 --text hi
expect 2 'albert-cli encode: unknown option --bogus (see albert-cli encode --help)' $CLI encode "$TINY" --bogus
expect 2 'albert-cli encode: --layer needs a value' $CLI encode "$TINY" --ids 2,3 --layer
expect 2 'albert-cli encode: --pooled takes no value' $CLI encode "$TINY" --ids 2,3 --pooled=1
expect 2 'albert-cli encode: --max-tokens: -5 is out of range (0..2147483647)' $CLI encode "$DEMO" --text hi --max-tokens -5
expect 2 'albert-cli encode: --max-tokens: 1 leaves no room for the text' $CLI encode "$DEMO" --text hi --max-tokens 1
expect 2 'albert-cli info: missing arguments' $CLI info
expect 2 'albert-cli info: unexpected argument "extra"' $CLI info "$TINY" extra
expect 2 'albert-cli fill-mask: --top: 0 is out of range (1..64)' $CLI fill-mask "$DEMO" "a [MASK]" --top 0
expect 2 'albert-cli fill-mask: --top: "5k" is not an integer' $CLI fill-mask "$DEMO" "a [MASK]" --top 5k
expect 2 'albert-cli tokenize: give the text as an argument or with a file option, not both' \
    $CLI tokenize "$DEMO" hello --file data/tok/golden/texts.txt
expect 2 'albert-cli embed: --batch: 0 is out of range (1..4096)' $CLI embed "$TINY" --ids --batch 0
expect 2 'albert-cli embed: --batch: "3.5" is not an integer' $CLI embed "$TINY" --ids --batch 3.5
expect 2 'albert-cli embed: --batch-tokens: -1 is out of range (1..1048576)' $CLI embed "$TINY" --ids --batch-tokens -1
expect 2 'albert-cli embed: --format must be text, jsonl, npy or f32, not "csv"' $CLI embed "$TINY" --ids --format csv
expect 2 'albert-cli embed: --format given more than once' $CLI embed "$TINY" --ids --format f32 --format npy
expect 2 'albert-cli embed: --pooling must be default, mean, cls, pooler, max or mean-sqrt-len, not "avg"' \
    $CLI embed "$TINY" --ids --pooling avg
expect 2 'albert-cli embed: --jsonl and --ids exclude each other' $CLI embed "$TINY" --ids --jsonl text
expect 2 'albert-cli embed: --layer: -5 is outside -4..3 for '"$TINY"' (3 layers)' $CLI embed "$TINY" --ids --layer -5
expect 2 'albert-cli embed: --max-tokens: 1 leaves no room for the text ([CLS] and [SEP] are 2)' \
    $CLI embed "$DEMO" --max-tokens 1
expect 2 'albert-cli search: --top: 0 is out of range (1..2147483647)' $CLI search "$DEMO" q data/tok/golden/texts.txt --top 0
expect 2 'albert-cli search: give MODEL, the query (or --query-file) and FILE' $CLI search "$DEMO" q
expect 2 'albert-cli search: the query and FILE cannot both come from standard input' $CLI search "$DEMO" - -
expect 2 'albert-convert: --dtype given more than once' $CONVERT --dtype f16 --dtype f32 data/models/tiny "$T/x.albert"
expect 2 'albert-convert: unknown option --bogus (see --help)' $CONVERT --bogus data/models/tiny "$T/x.albert"

# ---------------------------------------------------------------- failures: exit 1, the file and the reason
expect 1 "albert-cli: $T/missing.albert: cannot open (No such file or directory)" $CLI info "$T/missing.albert"
expect 1 "albert-cli: $T: not a readable, non-empty regular file (a directory)" $CLI info "$T"
expect 1 "albert-cli: $T/missing.txt: cannot open (No such file or directory)" $CLI embed "$DEMO" "$T/missing.txt"
expect 1 "albert-cli: $T/missing.txt: cannot open (No such file or directory)" $CLI tokenize "$DEMO" --file "$T/missing.txt"
expect 1 "albert-cli: $TINY has no tokenizer (give token ids with --ids)" $CLI embed "$TINY" data/tok/golden/texts.txt
printf '2 5 3\n\n' > "$T/ids-empty.txt"
expect 1 "albert-cli: $T/ids-empty.txt: line 2: empty (a line of --ids input needs at least one id)" \
    $CLI embed "$TINY" --ids "$T/ids-empty.txt"
printf '2 5 3\n2 x 3\n' > "$T/ids-bad.txt"
expect 1 "albert-cli: $T/ids-bad.txt: line 2: not a list of token ids" $CLI embed "$TINY" --ids "$T/ids-bad.txt"
printf '2 5 3\n2 100 3\n' > "$T/ids-range.txt"
expect 1 "albert-cli: $T/ids-range.txt: line 2: token id 100 is outside 0..99" $CLI embed "$TINY" --ids "$T/ids-range.txt"
printf '{"text": "a"}\n{"txt": "b"}\n' > "$T/bad.jsonl"
expect 1 "albert-cli: $T/bad.jsonl: line 2: no string field \"text\"" $CLI embed "$DEMO" --jsonl text "$T/bad.jsonl"
printf '{"text": "a"}\n{"text": \n' > "$T/bad2.jsonl"
expect 1 "albert-cli: $T/bad2.jsonl: line 2: not valid JSON (line 1, column 10: unexpected end of input, expected a value)" \
    $CLI embed "$DEMO" --jsonl text "$T/bad2.jsonl"
mkdir -p "$T/ro" && chmod 500 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then   # root may write anywhere
    expect 1 "albert-cli: $T/ro/v.npy: cannot open for writing (Permission denied)" \
        $CLI embed "$DEMO" data/tok/golden/texts.txt --format npy --out "$T/ro/v.npy"
fi
expect 1 "albert-cli: $T/nodir/v.npy: cannot open for writing (No such file or directory)" \
    $CLI embed "$DEMO" data/tok/golden/texts.txt --format npy --out "$T/nodir/v.npy"

# ---------------------------------------------------------------- embed against HF's hidden states (tiny golden)
# b1_s7 and b1_s1 (token types all 0) as two lines of ids; references pooled with numpy from HF's outputs.
G=data/models/tiny/cases
"$PY" -c "
import numpy as np
for c in ['b1_s7', 'b1_s1']:
    print(' '.join(str(i) for i in np.fromfile('$G/%s.input_ids.bin' % c, dtype='<i4')))
" > "$T/golden-ids.txt"
for p in mean cls pooler max; do
    expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --pooling $p --format f32 --out "$T/$p.f32"
done
expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --pooling mean --layer 1 --format npy --out "$T/layer1.npy"
expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --pooling mean --normalize --format npy --out "$T/norm.npy"
expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --format npy --out "$T/default.npy"
py "embed vs HF goldens" "$T" "$G" <<'EOF'
import sys, numpy as np
T, G = sys.argv[1], sys.argv[2]
H = 32
def golden(case, name, shape):
    return np.fromfile('%s/%s.%s.bin' % (G, case, name), dtype='<f4').reshape(shape)
ref = {k: [] for k in ['mean', 'cls', 'pooler', 'max', 'layer1', 'norm']}
for case, S in [('b1_s7', 7), ('b1_s1', 1)]:
    h = golden(case, 'last_hidden_state', (S, H)).astype(np.float64)
    hs = golden(case, 'hidden_states', (4, S, H)).astype(np.float64)
    ref['mean'].append(h.mean(0))
    ref['cls'].append(h[0])
    ref['pooler'].append(golden(case, 'pooler_output', (H,)))
    ref['max'].append(h.max(0))
    ref['layer1'].append(hs[1].mean(0))
    m = h.mean(0)
    ref['norm'].append(m / np.linalg.norm(m))
got = {p: np.fromfile('%s/%s.f32' % (T, p), dtype='<f4').reshape(-1, H) for p in ['mean', 'cls', 'pooler', 'max']}
got['layer1'] = np.load(T + '/layer1.npy')
got['norm'] = np.load(T + '/norm.npy')
default = np.load(T + '/default.npy')
worst = 0
for k, r in ref.items():
    g = got[k]
    assert g.shape == (2, H) and g.dtype == np.float32, (k, g.shape, g.dtype)
    err = np.abs(g - np.array(r)).max()
    assert err < 1e-4, (k, err)
    worst = max(worst, err)
assert np.array_equal(default, got['mean']), 'default pooling of a file that says nothing is mean'
print('worst', worst)
EOF

# the formats agree: text (%.7g) and jsonl ~ f32, npy == f32 bytes after the header
expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --pooling mean --format npy --out "$T/mean.npy"
expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --pooling mean --out "$T/mean.txt"
expect 0 "" $CLI embed "$TINY" --ids "$T/golden-ids.txt" --pooling mean --format jsonl --out "$T/mean.jsonl"
$CLI embed "$TINY" --pooling mean --format f32 < "$T/golden-ids.txt" --ids > "$T/stdin.f32" 2> "$T/err" ||
    bad "embed from stdin: $(cat "$T/err")"
cmp -s "$T/stdin.f32" "$T/mean.f32" || bad "embed from standard input differs from embed FILE"
py "formats" "$T" <<'EOF'
import sys, json, numpy as np
T = sys.argv[1]
f = np.fromfile(T + '/mean.f32', dtype='<f4').reshape(-1, 32)
n = np.load(T + '/mean.npy')
assert n.dtype == np.dtype('<f4') and n.shape == (2, 32) and np.array_equal(n, f)
t = np.loadtxt(T + '/mean.txt', dtype=np.float64)
assert t.shape == (2, 32) and np.abs(t - f).max() <= 1e-6 * max(1, np.abs(f).max())
rows = [json.loads(l) for l in open(T + '/mean.jsonl')]
assert [r['index'] for r in rows] == [0, 1]
assert np.abs(np.array([r['embedding'] for r in rows]) - f).max() <= 1e-6 * max(1, np.abs(f).max())
EOF

# ---------------------------------------------------------------- text input against HF's token ids (English)
TX=data/tok/golden/texts.txt
IDS=data/tok/golden/en_hf_ids.txt
N=$(wc -l < $TX)
expect 0 "" $CLI embed "$DEMO" $TX --pooling mean --format f32 --out "$T/text.f32"
expect 0 "" $CLI embed "$DEMO" --ids $IDS --pooling mean --format f32 --out "$T/hfids.f32"
cmp -s "$T/text.f32" "$T/hfids.f32" || bad "embed of the texts differs from embed --ids of HF's ids"
# truncation to 6 tokens: HF's ids cut to [CLS] + 4 + [SEP]; the count of cut lines on stderr
awk '{ if (NF > 6) { print $1, $2, $3, $4, $5, 3 } else print }' $IDS > "$T/hfids6.txt"
CUT=$(awk 'NF > 6' $IDS | wc -l)
expect 0 "albert-cli embed: $CUT of $N lines truncated to 6 tokens" \
    $CLI embed "$DEMO" $TX --max-tokens 6 --pooling mean --format f32 --out "$T/text6.f32"
expect 0 "" $CLI embed "$DEMO" --ids "$T/hfids6.txt" --pooling mean --format f32 --out "$T/hfids6.f32"
cmp -s "$T/text6.f32" "$T/hfids6.f32" || bad "embed --max-tokens 6 differs from HF's ids truncated to 6"
# jsonl input: the same texts as JSON strings
"$PY" -c "
import json, sys
for line in open('$TX', encoding='utf-8', newline='\n'):
    print(json.dumps({'id': 1, 'text': line.rstrip('\n'), 'extra': [1, {'a': None}]}))
" > "$T/texts.jsonl"
expect 0 "" $CLI embed "$DEMO" --jsonl text "$T/texts.jsonl" --pooling mean --format f32 --out "$T/jsonl.f32"
cmp -s "$T/jsonl.f32" "$T/text.f32" || bad "embed --jsonl differs from embed of the same lines"
# order: the lines reversed give the rows reversed (each window is sorted by length inside)
awk '{ a[NR] = $0 } END { for (i = NR; i >= 1; i--) print a[i] }' $TX > "$T/reversed.txt"
expect 0 "" $CLI embed "$DEMO" "$T/reversed.txt" --pooling mean --format f32 --batch 3 --out "$T/reversed.f32"
py "input order" "$T" <<'EOF'
import sys, numpy as np
T = sys.argv[1]
a = np.fromfile(T + '/text.f32', dtype='<f4').reshape(-1, 32)
b = np.fromfile(T + '/reversed.f32', dtype='<f4').reshape(-1, 32)
assert a.shape == b.shape and np.abs(a[::-1] - b).max() < 1e-6, np.abs(a[::-1] - b).max()
EOF
# empty lines = the empty text ([CLS] [SEP] = 2 3); invalid UTF-8 = U+FFFD; CRLF = LF; no newline at the end
printf 'hello world\r\n\n\377 a\n\357\277\275 a\nhello world' > "$T/odd.txt"
printf '2 10975 126 3\n2 3\n' > "$T/odd-ids.txt"
expect 0 "" $CLI embed "$DEMO" "$T/odd.txt" --pooling mean --format npy --out "$T/odd.npy"
expect 0 "" $CLI embed "$DEMO" --ids "$T/odd-ids.txt" --pooling mean --format npy --out "$T/odd-ids.npy"
py "empty lines, invalid UTF-8, CRLF" "$T" <<'EOF'
import sys, numpy as np
T = sys.argv[1]
a = np.load(T + '/odd.npy'); r = np.load(T + '/odd-ids.npy')
assert a.shape == (5, 32), a.shape
assert np.abs(a[0] - r[0]).max() < 1e-6 and np.abs(a[4] - r[0]).max() < 1e-6   # "hello world" (HF: 2 10975 126 3)
assert np.abs(a[1] - r[1]).max() < 1e-6                                        # "" -> [CLS] [SEP]
assert np.array_equal(a[2], a[3])                                              # \xff reads as U+FFFD
EOF
expect 0 "" $CLI embed "$DEMO" /dev/null --format npy --out "$T/none.npy"
py "empty input" "$T" <<'EOF'
import sys, numpy as np
assert np.load(sys.argv[1] + '/none.npy').shape == (0, 32)
EOF

# tokenize: --file, stdin, --max-tokens against HF's ids (lines 1, 2 and 40 of the golden texts)
for k in 1 2 40; do
    sed -n "${k}p" $TX > "$T/one.txt"
    want=$(sed -n "${k}p" $IDS)
    got=$($CLI tokenize "$DEMO" --file "$T/one.txt" | head -n 1)
    [ "$got" = "$want" ] || bad "tokenize --file line $k: $got != $want"
    got=$($CLI tokenize "$DEMO" - < "$T/one.txt" | head -n 1)
    [ "$got" = "$want" ] || bad "tokenize - line $k: $got != $want"
    want=$(echo "$want" | awk '{ if (NF > 5) print $1, $2, $3, $4, 3; else print }')
    got=$($CLI tokenize "$DEMO" --file "$T/one.txt" --max-tokens 5 | head -n 1)
    [ "$got" = "$want" ] || bad "tokenize --max-tokens 5 line $k: $got != $want"
    ok
done
# encode --file: the same hidden states as --ids with HF's ids
sed -n 2p $TX > "$T/two.txt"
$CLI encode "$DEMO" --file "$T/two.txt" --out "$T/enc-text.f32" && $CLI encode "$DEMO" --ids "$(sed -n 2p $IDS)" --out "$T/enc-ids.f32" &&
    cmp -s "$T/enc-text.f32" "$T/enc-ids.f32" && ok || bad "encode --file differs from encode --ids of HF's ids"

# ---------------------------------------------------------------- search: the ranking numpy computes from the vectors
expect 0 "" $CLI embed "$DEMO" $TX --format npy --out "$T/corpus.npy"
echo "the quick brown fox" > "$T/query.txt"
expect 0 "" $CLI embed "$DEMO" "$T/query.txt" --format npy --out "$T/query.npy"
expect 0 "" $CLI search "$DEMO" "the quick brown fox" $TX --top 5
cp "$T/out" "$T/search.txt"
expect 0 "" $CLI search "$DEMO" --query-file "$T/query.txt" $TX --top 5 --vectors "$T/corpus.npy"
cmp -s "$T/out" "$T/search.txt" || bad "search --vectors differs from search"
py "search ranking" "$T" "$TX" <<'EOF'
import sys, numpy as np
T, TX = sys.argv[1], sys.argv[2]
v = np.load(T + '/corpus.npy').astype(np.float64); q = np.load(T + '/query.npy')[0].astype(np.float64)
cos = v @ q / (np.linalg.norm(v, axis=1) * np.linalg.norm(q))
best = sorted(range(len(cos)), key=lambda i: (-cos[i], i))[:5]
lines = open(TX, encoding='utf-8', newline='\n').read().split('\n')
got = [l.split('\t') for l in open(T + '/search.txt', encoding='utf-8').read().rstrip('\n').split('\n')]
assert [int(g[1]) for g in got] == [i + 1 for i in best], (got, best)
for g, i in zip(got, best):
    assert abs(float(g[0]) - cos[i]) <= 1e-4 and g[2] == lines[i], (g, cos[i], lines[i])
EOF
printf 'x\n' > "$T/one-line.txt"
expect 1 "albert-cli: $T/corpus.npy: not a float32 [1 x 32] .npy file as embed writes it for this input" \
    $CLI search "$DEMO" q "$T/one-line.txt" --vectors "$T/corpus.npy"

echo "test_cli.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
