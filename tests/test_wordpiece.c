/* test_wordpiece.c - the WordPiece tokenizer (HF BertTokenizer, Chinese ALBERT) and the Unicode functions.

   Reference data (tests/data/tok/):
     zh/vocab.txt                   brightmart albert_zh vocabulary (../shared/realdata)
     zh/texts.txt, zh/hf_ids.txt    HF goldens (../shared/golden/tok): BertTokenizer(vocab.txt).encode(text)
     zh/random_texts.txt, zh/random_ids.txt   600 random texts (mixed scripts, specials, controls, odd spaces, long
                                    words) and their ids from zh/hf_bert_reference.py, a transcription of
                                    transformers' slow BertTokenizer run on Python 3.11 (it reproduces every golden)
     unicode/codepoints.txt         Python 3.11 unicodedata (Unicode 14.0) per code point: category, combining,
                                    isspace, NFD, NFKD, lower, Final_Sigma class (unicode/gen_reference.py)
     unicode/strings.txt            random strings with Python's NFC / NFD / NFKD / lower() of each */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"

#define MAX_TOKENS 4096

static albert_model *zh_model;
/* the files this test writes, next to the converter (in the build folder of this run) */
static char zh_blob[1100], edge_vocab[1100], edge_blob[1100];
#define ZH_BLOB zh_blob
#define EDGE_VOCAB edge_vocab
#define EDGE_BLOB edge_blob

static const char *converter(void)
{
    const char *c = getenv("ALBERT_CONVERT");
    return (c && *c) ? c : "../build/albert-convert";
}

/* albert-convert --tokenizer-only src out; 0 on success. */
static int convert_tokenizer(const char *src, const char *out)
{
    char command[2048];
    snprintf(command, sizeof command, "'%s' --tokenizer-only '%s' '%s' >/dev/null 2>&1", converter(), src, out);
    return system(command) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    albert_error e;
    const char *slash = strrchr(converter(), '/');
    int dir_len = slash ? (int)(slash - converter()) : 1;
    const char *dir = slash ? converter() : ".";
    (void)state;
    snprintf(zh_blob, sizeof zh_blob, "%.*s/test_wordpiece_zh.albert", dir_len, dir);
    snprintf(edge_vocab, sizeof edge_vocab, "%.*s/test_wordpiece_edge_vocab.txt", dir_len, dir);
    snprintf(edge_blob, sizeof edge_blob, "%.*s/test_wordpiece_edge.albert", dir_len, dir);
    if (!tu_file_exists("data/tok/zh/vocab.txt")) { printf("# run from the tests/ folder\n"); return -1; }
    if (convert_tokenizer("data/tok/zh/vocab.txt", ZH_BLOB) != 0) { printf("# conversion failed\n"); return -1; }
    if (albert_model_load(ZH_BLOB, &zh_model, &e) != ALBERT_OK) { printf("# load failed: %s\n", e.message); return -1; }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    albert_model_free(zh_model);
    remove(ZH_BLOB);
    return 0;
}

/* Parses up to max integers from a line; returns the count. */
static int parse_ids(const char *line, size_t len, int32_t *ids, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < len && n < max) {
        long v = 0;
        int neg = 0, digits = 0;
        while (i < len && line[i] == ' ') i++;
        if (i < len && line[i] == '-') { neg = 1; i++; }
        while (i < len && line[i] >= '0' && line[i] <= '9') { v = v * 10 + (line[i] - '0'); i++; digits++; }
        if (!digits) break;
        ids[n++] = (int32_t)(neg ? -v : v);
    }
    return n;
}

/* Calls fn(text, len, line_number, ctx) for every "\n"-separated line of a file. */
static int for_each_line(const char *path, void (*fn)(const char *, size_t, int, void *), void *ctx)
{
    size_t size = 0, pos = 0;
    char *data = (char *)tu_read_file(path, &size);
    int n = 0;
    if (!data) return -1;
    while (pos < size) {
        const char *nl = (const char *)memchr(data + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
        fn(data + pos, len, n++, ctx);
        pos += len + 1;
    }
    free(data);
    return n;
}

/* ---------------------------------------------------------------- WordPiece against references */
typedef struct { const char *ids_path; char *ids_data; size_t ids_size, ids_pos; int checked, failed; } id_check;

static void check_text_line(const char *text, size_t len, int line, void *ctx)
{
    id_check *c = (id_check *)ctx;
    static int32_t expected[MAX_TOKENS], ids[MAX_TOKENS], offsets[2 * MAX_TOKENS];
    const char *nl = (const char *)memchr(c->ids_data + c->ids_pos, '\n', c->ids_size - c->ids_pos);
    size_t elen = nl ? (size_t)(nl - (c->ids_data + c->ids_pos)) : c->ids_size - c->ids_pos;
    int n_expected = parse_ids(c->ids_data + c->ids_pos, elen, expected, MAX_TOKENS), i;
    albert_tokens t;
    albert_result r;
    c->ids_pos += elen + 1;
    memset(&t, 0, sizeof t);
    t.ids = ids; t.offsets = offsets; t.capacity = MAX_TOKENS;
    r = albert_tokenize(zh_model, text, len, NULL, 0, 0, &t);
    c->checked++;
    if (r != ALBERT_OK || t.n_tokens != n_expected || memcmp(ids, expected, sizeof(int32_t) * (size_t)n_expected) != 0) {
        c->failed++;
        printf("# line %d: result %d, %d tokens, expected %d:", line + 1, (int)r, (int)t.n_tokens, n_expected);
        for (i = 0; i < t.n_tokens && i < 40; i++) printf(" %d", (int)ids[i]);
        printf("\n");
        return;
    }
    for (i = 0; i < t.n_tokens; i++) {   /* offsets: specials -1, others inside the text */
        int32_t b = offsets[2 * i], e = offsets[2 * i + 1];
        if (i == 0 || i == t.n_tokens - 1) { if (b != -1 || e != -1) c->failed++; }
        else if (b < 0 || e < b || (size_t)e > len) c->failed++;
    }
}

static void check_file_pair(const char *texts, const char *ids, int expected_lines)
{
    id_check c;
    int n;
    memset(&c, 0, sizeof c);
    c.ids_data = (char *)tu_read_file(ids, &c.ids_size);
    assert_non_null(c.ids_data);
    n = for_each_line(texts, check_text_line, &c);
    free(c.ids_data);
    printf("# %s: %d of %d texts match\n", texts, c.checked - c.failed, c.checked);
    assert_int_equal(n, expected_lines);
    assert_int_equal(c.failed, 0);
}

static void test_zh_golden(void **state)
{
    const albert_config *cfg = albert_model_config(zh_model);
    (void)state;
    assert_int_equal(cfg->tokenizer, ALBERT_TOKENIZER_WORDPIECE);
    assert_int_equal(cfg->vocab_size, 21128);               /* golden info.json */
    assert_int_equal(cfg->unk_id, 100);
    assert_int_equal(cfg->sep_id, 102);
    assert_int_equal(cfg->pad_id, 0);
    assert_int_equal(cfg->cls_id, 101);
    assert_int_equal(cfg->mask_id, 103);
    check_file_pair("data/tok/zh/texts.txt", "data/tok/zh/hf_ids.txt", 83);
}

static void test_zh_random(void **state)
{
    (void)state;
    check_file_pair("data/tok/zh/random_texts.txt", "data/tok/zh/random_ids.txt", 600);
}

/* A pair is [CLS] A [SEP] B [SEP] (type ids 0 ... 0 1 ... 1), from the golden ids of A and B. */
static void test_zh_pair(void **state)
{
    static const char a[] = "Hello world!", b[] = "the quick brown fox jumps over the lazy dog.";
    static const int32_t ids_a[] = { 101, 8701, 8572, 106, 102 };   /* hf_ids.txt lines 1 and 2 */
    static const int32_t ids_b[] = { 101, 8174, 12345, 10699, 10872, 10331, 8118, 10047, 8174, 8515, 9748, 13030, 119, 102 };
    int32_t ids[64], types[64];
    albert_tokens t;
    int i;
    (void)state;
    memset(&t, 0, sizeof t);
    t.ids = ids; t.type_ids = types; t.capacity = 64;
    assert_int_equal(albert_tokenize(zh_model, a, strlen(a), b, strlen(b), 0, &t), ALBERT_OK);
    assert_int_equal(t.n_tokens, 5 + 13);
    for (i = 0; i < 5; i++) { assert_int_equal(ids[i], ids_a[i]); assert_int_equal(types[i], 0); }
    for (i = 1; i < 14; i++) { assert_int_equal(ids[4 + i], ids_b[i]); assert_int_equal(types[4 + i], 1); }
}

/* Byte offsets, worked out by hand from the text's bytes. */
static void test_zh_offsets(void **state)
{
    static const char text[] = "Hello \xe4\xb8\x96\xe7\x95\x8c! Caf\xc3\xa9 [MASK] x";   /* Hello 世界! Café [MASK] x */
    static const int32_t expected[] = { -1, -1, 0, 5, 6, 9, 9, 12, 12, 13, 14, 19, 20, 26, 27, 28, -1, -1 };
    int32_t ids[32], offsets[64];
    albert_tokens t;
    int i;
    (void)state;
    memset(&t, 0, sizeof t);
    t.ids = ids; t.offsets = offsets; t.capacity = 32;
    assert_int_equal(albert_tokenize(zh_model, text, strlen(text), NULL, 0, 0, &t), ALBERT_OK);
    assert_int_equal(t.n_tokens, 9);
    assert_int_equal(ids[6], 103);   /* [MASK] */
    for (i = 0; i < 18; i++) assert_int_equal(offsets[i], expected[i]);
}

/* Invalid UTF-8: each bad byte is U+FFFD, which BertTokenizer's _clean_text drops. */
static void test_zh_invalid_utf8(void **state)
{
    int32_t ids[MAX_TOKENS], ids2[MAX_TOKENS], offsets[2 * MAX_TOKENS];
    albert_tokens t, t2;
    unsigned seed = 12345;
    int round, i;
    (void)state;
    memset(&t, 0, sizeof t); memset(&t2, 0, sizeof t2);
    t.ids = ids; t.capacity = MAX_TOKENS;
    t2.ids = ids2; t2.capacity = MAX_TOKENS;
    assert_int_equal(albert_tokenize(zh_model, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80", 9, NULL, 0, 0, &t), ALBERT_OK);
    assert_int_equal(albert_tokenize(zh_model, "abc", 3, NULL, 0, 0, &t2), ALBERT_OK);
    assert_int_equal(t.n_tokens, t2.n_tokens);
    assert_memory_equal(ids, ids2, sizeof(int32_t) * (size_t)t.n_tokens);
    assert_int_equal(albert_tokenize(zh_model, "\xe4\xb8", 2, NULL, 0, 0, &t), ALBERT_OK);   /* truncated: nothing left */
    assert_int_equal(t.n_tokens, 2);
    /* random bytes: never a failure, ids and offsets in range */
    t.offsets = offsets;
    for (round = 0; round < 3000; round++) {
        char buf[96];
        int len = (int)((seed >> 16) % 96);
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)((seed >> 16) & (round & 1 ? 0xFF : 0xBF));
        }
        seed = seed * 1103515245u + 12345u;
        assert_int_equal(albert_tokenize(zh_model, buf, (size_t)len, NULL, 0, 0, &t), ALBERT_OK);
        for (i = 0; i < t.n_tokens; i++) {
            assert_true(ids[i] >= 0 && ids[i] < 21128);
            if (i > 0 && i < t.n_tokens - 1) assert_true(offsets[2 * i] >= 0 && offsets[2 * i] <= offsets[2 * i + 1] && offsets[2 * i + 1] <= len);
        }
    }
}

/* vocab.txt as HF's load_vocab reads it: \r\n, lone \r, no final newline, duplicates keep the last id. */
static void test_vocab_file_rules(void **state)
{
    static const char vocab[] = "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nab\r\n##c\rab\nx\n\xe4\xb8\xad";
    static const int32_t expected[] = { 2, 7, 6, 8, 9, 1, 3 };   /* [CLS] ab(last id) ##c x 中 [UNK] [SEP] */
    albert_model *m;
    albert_error e;
    int32_t ids[16], length;
    albert_tokens t;
    const char *piece;
    (void)state;
    assert_int_equal(tu_write_file(EDGE_VOCAB, vocab, sizeof vocab - 1), 0);
    assert_int_equal(convert_tokenizer(EDGE_VOCAB, EDGE_BLOB), 0);
    assert_int_equal(albert_model_load(EDGE_BLOB, &m, &e), ALBERT_OK);
    assert_int_equal(albert_model_config(m)->vocab_size, 10);
    assert_int_equal(albert_model_config(m)->unk_id, 1);
    memset(&t, 0, sizeof t);
    t.ids = ids; t.capacity = 16;
    assert_int_equal(albert_tokenize(m, "ABC x\xe4\xb8\xad zz", 11, NULL, 0, 0, &t), ALBERT_OK);
    assert_int_equal(t.n_tokens, 7);
    assert_memory_equal(ids, expected, sizeof expected);
    piece = albert_token_piece(m, 5, &length);
    assert_non_null(piece);
    assert_int_equal(length, 2);
    assert_memory_equal(piece, "ab", 2);
    albert_model_free(m);
    /* refused: invalid UTF-8, no [UNK] */
    assert_int_equal(tu_write_file(EDGE_VOCAB, "[UNK]\n[CLS]\n[SEP]\n\xff\n", strlen("[UNK]\n[CLS]\n[SEP]\n\xff\n")), 0);
    assert_int_not_equal(convert_tokenizer(EDGE_VOCAB, EDGE_BLOB), 0);
    assert_int_equal(tu_write_file(EDGE_VOCAB, "[CLS]\n[SEP]\na\n", strlen("[CLS]\n[SEP]\na\n")), 0);
    assert_int_not_equal(convert_tokenizer(EDGE_VOCAB, EDGE_BLOB), 0);
    remove(EDGE_VOCAB);
    remove(EDGE_BLOB);
}

/* ---------------------------------------------------------------- corrupt tables are refused at load */
/* Points *data at the bytes of tensor `name` inside a blob image (directory parsed here, independently). */
static uint8_t *tensor_bytes(uint8_t *file, size_t size, const char *name)
{
    uint64_t dir, off;
    uint32_t n, i;
    if (size < 256) return NULL;
    memcpy(&dir, file + 24, 8);
    memcpy(&n, file + 32, 4);
    for (i = 0; i < n; i++) {
        uint8_t *d = file + dir + 80u * i;
        if (strncmp((const char *)d, name, 32) == 0) {
            memcpy(&off, d + 64, 8);
            return off < size ? file + off : NULL;
        }
    }
    return NULL;
}

static void test_corrupt_tables(void **state)
{
    static const struct { const char *tensor; size_t offset; uint32_t value; int bytes; } cases[] = {
        { "uni.stage1", 4 * 17, 0xFFFFu, 4 },           /* block index out of range */
        { "uni.stage2", 300, 0xFFu, 1 },                /* property record out of range */
        { "uni.props", 0, 200u, 1 },                    /* category out of range */
        { "uni.props", 2, 0x80u, 1 },                   /* unknown flag */
        { "uni.nfd.index", 8, 0u, 4 },                  /* code points not increasing */
        { "uni.nfd.index", 4, 0x7F000000u, 4 },         /* sequence length / offset out of range */
        { "uni.lower.data", 0, 0x110000u, 4 },          /* not a code point */
        { "uni.compose", 12, 0u, 4 },                   /* composition rows out of order */
        { "tok.wp_hash", 0, 0x7FFFFFFFu, 4 },           /* not an id + 1 */
        { "tok.offsets", 40, 0xFFFFFFu, 4 },            /* offsets decrease / out of range */
    };
    size_t size = 0, i;
    uint8_t *original = (uint8_t *)tu_read_file(ZH_BLOB, &size), *copy_buffer, *copy;
    (void)state;
    assert_non_null(original);
    copy_buffer = (uint8_t *)malloc(size + 64);   /* albert_model_load_memory wants 64-byte aligned data */
    assert_non_null(copy_buffer);
    copy = copy_buffer + (64 - (size_t)((uintptr_t)copy_buffer % 64)) % 64;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        albert_model *m = NULL;
        albert_error e;
        uint8_t *p;
        memcpy(copy, original, size);
        p = tensor_bytes(copy, size, cases[i].tensor);
        assert_non_null(p);
        if (cases[i].bytes == 1) p[cases[i].offset] = (uint8_t)cases[i].value;
        else memcpy(p + cases[i].offset, &cases[i].value, 4);
        assert_int_equal(albert_model_load_memory(copy, size, &m, &e), ALBERT_ERR_FORMAT);
        assert_null(m);
    }
    {   /* the unmodified copy loads */
        albert_model *m = NULL;
        albert_error e;
        memcpy(copy, original, size);
        assert_int_equal(albert_model_load_memory(copy, size, &m, &e), ALBERT_OK);
        albert_model_free(m);
    }
    free(copy_buffer);
    free(original);
}

/* ---------------------------------------------------------------- Unicode functions against Python */
static albert__unicode zh_unicode;

static int parse_hex_list(const char *s, const char *end, uint32_t *out, int max)
{
    int n = 0;
    while (s < end && n < max) {
        char *next;
        unsigned long v = strtoul(s, &next, 16);
        if (next == s) break;
        out[n++] = (uint32_t)v;
        s = next;
    }
    return n;
}

typedef struct { int checked, failed; } counts;

static void check_codepoint_line(const char *line, size_t len, int line_no, void *ctx)
{
    counts *c = (counts *)ctx;
    const char *field[8], *p = line, *end = line + len;
    uint32_t cp, expect[40], got[40];
    int n_field = 0, n, m, k, ok = 1;
    char cat[3];
    if (len == 0 || line[0] == '#') return;
    while (n_field < 8) {
        field[n_field++] = p;
        p = (const char *)memchr(p, ';', (size_t)(end - p));
        if (!p) break;
        p++;
    }
    assert_int_equal(n_field, 8);
    cp = (uint32_t)strtoul(field[0], NULL, 16);
    memcpy(cat, field[1], 2); cat[2] = 0;
    ok &= strcmp(albert__ucat_names[albert__unicode_category(&zh_unicode, cp)], cat) == 0;
    ok &= albert__unicode_combining(&zh_unicode, cp) == atoi(field[2]);
    ok &= albert__unicode_is_space(&zh_unicode, cp) == atoi(field[3]);
    for (k = 0; k < 2; k++) {   /* NFD, NFKD of the one code point (single code points need no reordering here) */
        albert__ustr in, out;
        memset(&in, 0, sizeof in); memset(&out, 0, sizeof out);
        n = parse_hex_list(field[4 + k], field[5 + k] - 1, expect, 40);
        assert_int_equal(albert__ustr_push(&in, cp, 0, 1), 0);
        assert_int_equal(albert__unicode_decompose_string(&zh_unicode, &in, k, &out), 0);
        ok &= (int)out.n == n && memcmp(out.cp, expect, sizeof(uint32_t) * (size_t)n) == 0;
        m = albert__unicode_decompose(&zh_unicode, cp, k, got);
        ok &= m == n;
        albert__ustr_free(&in); albert__ustr_free(&out);
    }
    n = parse_hex_list(field[6], field[7] - 1, expect, 40);
    m = albert__unicode_lower(&zh_unicode, cp, got);
    ok &= m == n && memcmp(got, expect, sizeof(uint32_t) * (size_t)n) == 0;
    {
        unsigned f = albert__unicode_flags(&zh_unicode, cp);
        char sigma = (f & ALBERT__UFLAG_CASE_IGNORABLE) ? 'I' : (f & ALBERT__UFLAG_CASED) ? 'C' : 'N';
        ok &= sigma == field[7][0];
    }
    c->checked++;
    if (!ok) { c->failed++; if (c->failed < 10) printf("# codepoints.txt line %d (U+%04X) differs\n", line_no + 1, (unsigned)cp); }
}

static void test_unicode_codepoints(void **state)
{
    albert_error e;
    counts c = { 0, 0 };
    uint32_t cp;
    uint8_t buf[4];
    (void)state;
    assert_int_equal(albert__unicode_load(&zh_unicode, zh_model, &e), ALBERT_OK);
    assert_true(for_each_line("data/tok/unicode/codepoints.txt", check_codepoint_line, &c) > 5000);
    printf("# %d of %d code points match Python's unicodedata\n", c.checked - c.failed, c.checked);
    assert_true(c.checked > 5000);
    assert_int_equal(c.failed, 0);
    /* UTF-8 round trip of every scalar value; surrogates and overlongs are single invalid bytes */
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        uint32_t back;
        size_t n;
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        n = albert__utf8_encode(cp, buf);
        assert_int_equal(albert__utf8_decode(buf, n, &back), n);
        assert_int_equal(back, cp);
        if (n > 1) { assert_int_equal(albert__utf8_decode(buf, n - 1, &back), 1); assert_int_equal(back, 0xFFFD); }
    }
    assert_int_equal(albert__utf8_decode((const uint8_t *)"\xed\xa0\x80", 3, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(albert__utf8_decode((const uint8_t *)"\xc0\xaf", 2, &cp), 1);
    assert_int_equal(albert__utf8_decode((const uint8_t *)"\xf4\x90\x80\x80", 4, &cp), 1);
}

static void check_string_line(const char *line, size_t len, int line_no, void *ctx)
{
    counts *c = (counts *)ctx;
    const char *tab = (const char *)memchr(line, '\t', len), *end = line + len, *p;
    albert__ustr in, out;
    uint32_t cps[512], expect[2048];
    int n, k, i, ok = 1;
    if (!tab) return;
    n = parse_hex_list(line, tab, cps, 512);
    memset(&in, 0, sizeof in);
    for (i = 0; i < n; i++) assert_int_equal(albert__ustr_push(&in, cps[i], (uint32_t)i, (uint32_t)i + 1), 0);
    p = tab + 1;
    for (k = 0; k < 4; k++) {   /* NFC ; NFD ; NFKD ; lower */
        const char *semi = (const char *)memchr(p, ';', (size_t)(end - p));
        const char *field_end = semi ? semi : end;
        int m = parse_hex_list(p, field_end, expect, 2048);
        memset(&out, 0, sizeof out);
        if (k == 0) assert_int_equal(albert__unicode_nfc_string(&zh_unicode, &in, &out), 0);
        else if (k < 3) assert_int_equal(albert__unicode_decompose_string(&zh_unicode, &in, k == 2, &out), 0);
        else assert_int_equal(albert__unicode_lower_string(&zh_unicode, &in, &out), 0);
        ok &= (int)out.n == m && memcmp(out.cp, expect, sizeof(uint32_t) * (size_t)m) == 0;
        for (i = 0; i < (int)out.n; i++) ok &= out.begin[i] < out.end[i] && out.end[i] <= (uint32_t)n;
        albert__ustr_free(&out);
        p = field_end + 1;
    }
    albert__ustr_free(&in);
    c->checked++;
    if (!ok) { c->failed++; if (c->failed < 10) printf("# strings.txt line %d differs\n", line_no + 1); }
}

static void test_unicode_strings(void **state)
{
    albert_error e;
    counts c = { 0, 0 };
    (void)state;
    assert_int_equal(albert__unicode_load(&zh_unicode, zh_model, &e), ALBERT_OK);
    assert_int_equal(for_each_line("data/tok/unicode/strings.txt", check_string_line, &c), 1520);
    printf("# %d of %d strings: NFC, NFD, NFKD and lower() match Python\n", c.checked - c.failed, c.checked);
    assert_int_equal(c.checked, 1520);
    assert_int_equal(c.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zh_golden),
        cmocka_unit_test(test_zh_random),
        cmocka_unit_test(test_zh_pair),
        cmocka_unit_test(test_zh_offsets),
        cmocka_unit_test(test_zh_invalid_utf8),
        cmocka_unit_test(test_vocab_file_rules),
        cmocka_unit_test(test_corrupt_tables),
        cmocka_unit_test(test_unicode_codepoints),
        cmocka_unit_test(test_unicode_strings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
