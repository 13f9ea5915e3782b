/* test_tokenizer.c - the SentencePiece tokenizer: HF AlbertTokenizer ids (albert_tokenize) and raw sentencepiece
   ids (albert_sentencepiece_encode) for the real en/de/vi ALBERT models, against ../shared/golden and references
   made with Debian's sentencepiece 0.1.97 (tests/data/tok/README.md); pairs, truncation, offsets, byte fallback,
   invalid UTF-8, corrupt files, threads. Run from tests/ (make test). The converter is ../build/albert-convert,
   or $ALBERT_CONVERT. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"

#define MAX_IDS 4096

enum { EN, DE, VI, FB, N_MODELS };
static const char *const model_names[N_MODELS] = {"en", "de", "vi", "bytefb"};
static char temp_dir[256];
static char blob_paths[N_MODELS][300];
static albert_model *models[N_MODELS];

static const char *converter(void)
{
    const char *c = getenv("ALBERT_CONVERT");
    return c ? c : "../build/albert-convert";
}

/* Runs the converter; returns its exit status (0 = success). */
static int convert(const char *model_file, const char *out_path)
{
    char cmd[4096];
    if (strlen(converter()) + strlen(model_file) + strlen(out_path) + 64 > sizeof(cmd)) return -1;
    snprintf(cmd, sizeof(cmd), "%s --tokenizer-only %s %s >/dev/null 2>&1", converter(), model_file, out_path);
    return system(cmd);
}

static int setup(void **state)
{
    int i;
    (void)state;
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/albert_test_tokenizer_XXXXXX");
    if (!mkdtemp(temp_dir)) return -1;
    for (i = 0; i < N_MODELS; i++) {
        char model_file[256];
        albert_error err;
        snprintf(model_file, sizeof(model_file), "data/tok/%s.model", model_names[i]);
        snprintf(blob_paths[i], sizeof(blob_paths[i]), "%s/%s.albert", temp_dir, model_names[i]);
        if (convert(model_file, blob_paths[i]) != 0) {
            fprintf(stderr, "cannot convert %s with %s\n", model_file, converter());
            return -1;
        }
        if (albert_model_load(blob_paths[i], &models[i], &err) != ALBERT_OK) {
            fprintf(stderr, "%s: %s\n", blob_paths[i], err.message);
            return -1;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    int i;
    (void)state;
    for (i = 0; i < N_MODELS; i++) {
        albert_model_free(models[i]);
        models[i] = NULL;
        remove(blob_paths[i]);
    }
    rmdir(temp_dir);
    return 0;
}

/* ---------------------------------------------------------------- reference files */
/* Splits buf into lines on "\n" only (texts may contain \r, tabs, U+2028...); returns the count. */
static int split_lines(char *buf, size_t size, char ***lines, size_t **lengths)
{
    size_t i, start = 0;
    int n = 0, cap = 1024;
    *lines = (char **)malloc(sizeof(char *) * cap);
    *lengths = (size_t *)malloc(sizeof(size_t) * cap);
    for (i = 0; i <= size; i++) {
        if (i == size && start == size) break;   /* no line after the final "\n" */
        if (i == size || buf[i] == '\n') {
            if (n == cap) {
                cap *= 2;
                *lines = (char **)realloc(*lines, sizeof(char *) * cap);
                *lengths = (size_t *)realloc(*lengths, sizeof(size_t) * cap);
            }
            (*lines)[n] = buf + start;
            (*lengths)[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int parse_ids(const char *line, size_t len, int32_t *ids)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        long v = 0;
        int neg = 0, digits = 0;
        while (i < len && line[i] == ' ') i++;
        if (i < len && line[i] == '-') { neg = 1; i++; }
        while (i < len && line[i] >= '0' && line[i] <= '9') { v = v * 10 + (line[i] - '0'); i++; digits = 1; }
        if (digits && n < MAX_IDS) ids[n++] = (int32_t)(neg ? -v : v);
        if (!digits) break;
    }
    return n;
}

typedef struct id_file_check {
    const albert_model *model;
    const char *texts_path, *ids_path;
    int use_hf;            /* albert_tokenize, else albert_sentencepiece_encode */
    int lines, mismatches;
} id_file_check;

/* Tokenizes every line of texts_path and compares with the same line of ids_path. */
static void *run_id_file_check(void *arg)
{
    id_file_check *c = (id_file_check *)arg;
    size_t text_size = 0, ids_size = 0;
    char *texts = (char *)tu_read_file(c->texts_path, &text_size);
    char *ids_text = (char *)tu_read_file(c->ids_path, &ids_size);
    char **text_lines = NULL, **id_lines = NULL;
    size_t *text_lengths = NULL, *id_lengths = NULL;
    int n_texts, n_ids, i;
    int32_t *ids = (int32_t *)malloc(sizeof(int32_t) * MAX_IDS), *expected = (int32_t *)malloc(sizeof(int32_t) * MAX_IDS);
    int32_t *offsets = (int32_t *)malloc(sizeof(int32_t) * 2 * MAX_IDS);
    c->lines = 0;
    c->mismatches = -1;
    if (!texts || !ids_text) { free(texts); free(ids_text); free(ids); free(expected); free(offsets); return NULL; }
    n_texts = split_lines(texts, text_size, &text_lines, &text_lengths);
    n_ids = split_lines(ids_text, ids_size, &id_lines, &id_lengths);
    c->mismatches = n_texts == n_ids ? 0 : 1000000;
    for (i = 0; i < n_texts && i < n_ids; i++) {
        albert_tokens tok;
        albert_result r;
        int n_expected = parse_ids(id_lines[i], id_lengths[i], expected), k;
        memset(&tok, 0, sizeof(tok));
        tok.ids = ids; tok.offsets = offsets; tok.capacity = MAX_IDS;
        r = c->use_hf ? albert_tokenize(c->model, text_lines[i], text_lengths[i], NULL, 0, 0, &tok)
                      : albert_sentencepiece_encode(c->model, text_lines[i], text_lengths[i], &tok);
        if (r != ALBERT_OK || tok.n_tokens != n_expected || memcmp(ids, expected, sizeof(int32_t) * (size_t)n_expected) != 0) {
            if (c->mismatches < 5) {
                fprintf(stderr, "%s line %d: %.*s\n  got:", c->ids_path, i + 1, (int)text_lengths[i], text_lines[i]);
                for (k = 0; k < tok.n_tokens && k < MAX_IDS; k++) fprintf(stderr, " %d", ids[k]);
                fprintf(stderr, "\n  expected:");
                for (k = 0; k < n_expected; k++) fprintf(stderr, " %d", expected[k]);
                fprintf(stderr, "\n");
            }
            c->mismatches++;
        }
        /* offsets: inside the text, begin <= end (specials -1, -1) */
        for (k = 0; r == ALBERT_OK && k < tok.n_tokens; k++) {
            int32_t b = offsets[2 * k], e = offsets[2 * k + 1];
            if (!((b == -1 && e == -1) || (b >= 0 && b <= e && (size_t)e <= text_lengths[i]))) {
                fprintf(stderr, "%s line %d: token %d has offsets %d..%d\n", c->ids_path, i + 1, k, b, e);
                c->mismatches++;
                break;
            }
        }
        c->lines++;
    }
    free(text_lines); free(text_lengths); free(id_lines); free(id_lengths);
    free(texts); free(ids_text); free(ids); free(expected); free(offsets);
    return NULL;
}

static void check_id_file(int model, const char *texts_path, const char *ids_path, int use_hf, int expected_lines)
{
    id_file_check c;
    c.model = models[model]; c.texts_path = texts_path; c.ids_path = ids_path; c.use_hf = use_hf;
    run_id_file_check(&c);
    assert_int_equal(c.lines, expected_lines);
    assert_int_equal(c.mismatches, 0);
}

/* ---------------------------------------------------------------- golden and random texts */
static void test_golden_en(void **state)
{
    (void)state;
    check_id_file(EN, "data/tok/golden/texts.txt", "data/tok/golden/en_hf_ids.txt", 1, 83);
    check_id_file(EN, "data/tok/golden/texts.txt", "data/tok/golden/en_sp_ids.txt", 0, 83);
}

static void test_golden_de(void **state)
{
    (void)state;
    check_id_file(DE, "data/tok/golden/texts.txt", "data/tok/golden/de_hf_ids.txt", 1, 83);
    check_id_file(DE, "data/tok/golden/texts.txt", "data/tok/golden/de_sp_ids.txt", 0, 83);
}

static void test_golden_vi(void **state)
{
    (void)state;
    check_id_file(VI, "data/tok/golden/texts.txt", "data/tok/golden/vi_hf_ids.txt", 1, 83);
    check_id_file(VI, "data/tok/golden/texts.txt", "data/tok/golden/vi_sp_ids.txt", 0, 83);
}

static void test_random_texts(void **state)
{
    int m;
    (void)state;
    for (m = EN; m <= VI; m++) {
        char path[256];
        snprintf(path, sizeof(path), "data/tok/random/%s_hf_ids.txt", model_names[m]);
        check_id_file(m, "data/tok/random/texts.txt", path, 1, 1000);
        snprintf(path, sizeof(path), "data/tok/random/%s_sp_ids.txt", model_names[m]);
        check_id_file(m, "data/tok/random/texts.txt", path, 0, 1000);
    }
}

/* English-like texts (tests/data/tok/gen_english.py): the ASCII fast paths of the normalizer, the preprocessing
   and the special-token split, against sentencepiece and the AlbertTokenizer transcription */
static void test_english_texts(void **state)
{
    int m;
    (void)state;
    for (m = EN; m <= VI; m++) {
        char path[256];
        snprintf(path, sizeof(path), "data/tok/random/%s_english_hf_ids.txt", model_names[m]);
        check_id_file(m, "data/tok/random/english_texts.txt", path, 1, 600);
        snprintf(path, sizeof(path), "data/tok/random/%s_english_sp_ids.txt", model_names[m]);
        check_id_file(m, "data/tok/random/english_texts.txt", path, 0, 600);
    }
    check_id_file(FB, "data/tok/random/english_texts.txt", "data/tok/random/bytefb_english_sp_ids.txt", 0, 600);
}

/* byte_fallback, identity normalization, user-defined "▁▁" */
static void test_byte_fallback(void **state)
{
    (void)state;
    check_id_file(FB, "data/tok/random/texts.txt", "data/tok/random/bytefb_sp_ids.txt", 0, 1000);
}

/* ---------------------------------------------------------------- invalid UTF-8 */
static void test_invalid_utf8(void **state)
{
    size_t size = 0;
    char *buf = (char *)tu_read_file("data/tok/bytes_sp_ids.txt", &size), **lines;
    size_t *lengths;
    int n, i, checked = 0;
    int32_t ids[64], expected[64], ids2[64];
    (void)state;
    assert_non_null(buf);
    n = split_lines(buf, size, &lines, &lengths);
    for (i = 0; i < n; i++) {
        char *tab1 = (char *)memchr(lines[i], '\t', lengths[i]), *tab2;
        char text[64];
        size_t text_len = 0, k;
        int model, n_expected;
        albert_tokens tok;
        assert_non_null(tab1);
        tab2 = (char *)memchr(tab1 + 1, '\t', lengths[i] - (size_t)(tab1 + 1 - lines[i]));
        assert_non_null(tab2);
        model = strncmp(lines[i], "en", 2) == 0 ? EN : FB;
        for (k = 0; tab1 + 1 + k + 1 < tab2; k += 2) {
            unsigned v;
            char hex[3];
            hex[0] = tab1[1 + k]; hex[1] = tab1[2 + k]; hex[2] = 0;
            sscanf(hex, "%x", &v);
            text[text_len++] = (char)v;
        }
        n_expected = parse_ids(tab2 + 1, lengths[i] - (size_t)(tab2 + 1 - lines[i]), expected);
        memset(&tok, 0, sizeof(tok));
        tok.ids = ids; tok.capacity = 64;
        assert_int_equal(albert_sentencepiece_encode(models[model], text, text_len, &tok), ALBERT_OK);
        assert_int_equal(tok.n_tokens, n_expected);
        assert_memory_equal(ids, expected, sizeof(int32_t) * (size_t)n_expected);
        checked++;
    }
    assert_int_equal(checked, 14);
    free(lines); free(lengths); free(buf);
    {   /* albert_tokenize reads a bad byte as U+FFFD, as HF would see it */
        albert_tokens a, b;
        memset(&a, 0, sizeof(a)); memset(&b, 0, sizeof(b));
        a.ids = ids; a.capacity = 64; b.ids = ids2; b.capacity = 64;
        assert_int_equal(albert_tokenize(models[EN], "x\xff\xc0y \xe2\x96", 7, NULL, 0, 0, &a), ALBERT_OK);
        assert_int_equal(albert_tokenize(models[EN], "x\xef\xbf\xbd\xef\xbf\xbdy \xef\xbf\xbd\xef\xbf\xbd", 14, NULL, 0, 0, &b),
                         ALBERT_OK);
        assert_int_equal(a.n_tokens, b.n_tokens);
        assert_memory_equal(ids, ids2, sizeof(int32_t) * (size_t)a.n_tokens);
    }
}

/* ---------------------------------------------------------------- pairs, truncation, API */
static void test_pair(void **state)
{
    /* elixir-nx/bumblebee albert_tokenizer_test.exs (albert-base-v2): ("Question?", "Answer") */
    static const int32_t expected_ids[6] = {2, 1301, 60, 3, 1623, 3};
    static const int32_t expected_types[6] = {0, 0, 0, 0, 1, 1};
    int32_t ids[16], types[16], offsets[32];
    albert_tokens tok;
    (void)state;
    memset(&tok, 0, sizeof(tok));
    tok.ids = ids; tok.type_ids = types; tok.offsets = offsets; tok.capacity = 16;
    assert_int_equal(albert_tokenize(models[EN], "Question?", 9, "Answer", 6, 0, &tok), ALBERT_OK);
    assert_int_equal(tok.n_tokens, 6);
    assert_memory_equal(ids, expected_ids, sizeof(expected_ids));
    assert_memory_equal(types, expected_types, sizeof(expected_types));
    /* offsets of the pair's token are in the pair's text */
    assert_int_equal(offsets[8], 0);
    assert_int_equal(offsets[9], 6);
    /* transformers test_tokenization_albert.py integration ids (albert-base-v2) */
    {
        static const int32_t fox[12] = {2, 14, 2231, 886, 2385, 17659, 84, 14, 16792, 1952, 9, 3};
        const char *text = "the quick brown fox jumps over the lazy dog.";
        assert_int_equal(albert_tokenize(models[EN], text, strlen(text), NULL, 0, 0, &tok), ALBERT_OK);
        assert_int_equal(tok.n_tokens, 12);
        assert_memory_equal(ids, fox, sizeof(fox));
    }
}

/* HF truncate_sequences, longest_first, computed here from the golden ids of two texts. */
static void test_truncation(void **state)
{
    size_t size_t_ = 0, size_i = 0;
    char *texts = (char *)tu_read_file("data/tok/golden/texts.txt", &size_t_);
    char *idtext = (char *)tu_read_file("data/tok/golden/en_hf_ids.txt", &size_i);
    char **tl, **il;
    size_t *tlen, *ilen;
    int32_t a[MAX_IDS], b[MAX_IDS], ids[MAX_IDS], types[MAX_IDS];
    int na, nb, max_tokens, pairs[3][2] = {{4, 7}, {46, 1}, {10, 62}}, p;
    (void)state;
    assert_non_null(texts); assert_non_null(idtext);
    split_lines(texts, size_t_, &tl, &tlen);
    split_lines(idtext, size_i, &il, &ilen);
    for (p = 0; p < 3; p++) {
        int ia = pairs[p][0] - 1, ib = pairs[p][1] - 1;
        na = parse_ids(il[ia], ilen[ia], a) - 2;   /* without [CLS] ... [SEP] */
        nb = parse_ids(il[ib], ilen[ib], b) - 2;
        for (max_tokens = 3; max_tokens <= na + nb + 4; max_tokens++) {
            int ka = na, kb = nb, i, n = 0;
            int32_t expected[MAX_IDS];
            albert_tokens tok;
            while (ka + kb + 3 > max_tokens) { if (ka > kb) ka--; else kb--; }
            expected[n++] = 2;
            for (i = 0; i < ka; i++) expected[n++] = a[1 + i];
            expected[n++] = 3;
            for (i = 0; i < kb; i++) expected[n++] = b[1 + i];
            expected[n++] = 3;
            memset(&tok, 0, sizeof(tok));
            tok.ids = ids; tok.type_ids = types; tok.capacity = MAX_IDS;
            assert_int_equal(albert_tokenize(models[EN], tl[ia], tlen[ia], tl[ib], tlen[ib], max_tokens, &tok), ALBERT_OK);
            assert_int_equal(tok.n_tokens, n);
            assert_memory_equal(ids, expected, sizeof(int32_t) * (size_t)n);
            for (i = 0; i < n; i++) assert_int_equal(types[i], i < ka + 2 ? 0 : 1);
        }
        /* single sequence: the tail goes */
        for (max_tokens = 2; max_tokens <= na + 3; max_tokens++) {
            albert_tokens tok;
            int keep = na < max_tokens - 2 ? na : max_tokens - 2;
            memset(&tok, 0, sizeof(tok));
            tok.ids = ids; tok.capacity = MAX_IDS;
            assert_int_equal(albert_tokenize(models[EN], tl[ia], tlen[ia], NULL, 0, max_tokens, &tok), ALBERT_OK);
            assert_int_equal(tok.n_tokens, keep + 2);
            assert_memory_equal(ids, a, sizeof(int32_t) * (size_t)(keep + 1));
            assert_int_equal(ids[keep + 1], 3);
        }
    }
    {
        albert_tokens tok;
        memset(&tok, 0, sizeof(tok));
        tok.ids = ids; tok.capacity = MAX_IDS;
        assert_int_equal(albert_tokenize(models[EN], "a", 1, "b", 1, 2, &tok), ALBERT_ERR_ARGUMENT);
    }
    free(tl); free(tlen); free(il); free(ilen); free(texts); free(idtext);
}

static void test_offsets(void **state)
{
    int32_t ids[32], offsets[64];
    albert_tokens tok;
    /* "Hello world!" -> [CLS] ▁hello ▁world ! [SEP] */
    static const int32_t expected_offsets[10] = {-1, -1, 0, 5, 6, 11, 11, 12, -1, -1};
    /* "  Café [MASK] ok" -> [CLS] ▁cafe [MASK] ▁ok [SEP] (é is 2 bytes) */
    static const int32_t mask_offsets[10] = {-1, -1, 2, 7, 8, 14, 15, 17, -1, -1};
    (void)state;
    memset(&tok, 0, sizeof(tok));
    tok.ids = ids; tok.offsets = offsets; tok.capacity = 32;
    assert_int_equal(albert_tokenize(models[EN], "Hello world!", 12, NULL, 0, 0, &tok), ALBERT_OK);
    assert_int_equal(tok.n_tokens, 5);
    assert_memory_equal(offsets, expected_offsets, sizeof(expected_offsets));
    assert_int_equal(albert_tokenize(models[EN], "  Caf\xc3\xa9 [MASK] ok", 17, NULL, 0, 0, &tok), ALBERT_OK);
    assert_int_equal(tok.n_tokens, 5);
    assert_int_equal(ids[2], 4);
    assert_memory_equal(offsets, mask_offsets, sizeof(mask_offsets));
    /* plain sentencepiece: "▁Hello" covers "Hello" */
    assert_int_equal(albert_sentencepiece_encode(models[EN], "Hello world", 11, &tok), ALBERT_OK);
    assert_true(tok.n_tokens >= 2);
    assert_int_equal(offsets[0], 0);
    assert_int_equal(offsets[2 * tok.n_tokens - 1], 11);
}

static void test_api(void **state)
{
    int32_t ids[4], length = -1;
    albert_tokens tok;
    const char *piece;
    const char *text = "ALBERT reduces parameters with factorized embeddings.";
    (void)state;
    /* capacity: the needed size is reported */
    memset(&tok, 0, sizeof(tok));
    tok.ids = ids; tok.capacity = 4;
    assert_int_equal(albert_tokenize(models[EN], text, strlen(text), NULL, 0, 0, &tok), ALBERT_ERR_CAPACITY);
    assert_true(tok.n_tokens > 4);
    tok.capacity = 0; tok.ids = NULL;
    assert_int_equal(albert_sentencepiece_encode(models[EN], text, strlen(text), &tok), ALBERT_ERR_CAPACITY);
    assert_true(tok.n_tokens > 4);
    assert_int_equal(albert_tokenize(models[EN], text, strlen(text), NULL, 0, 0, &tok), ALBERT_ERR_CAPACITY);
    assert_true(tok.n_tokens > 4);
    tok.capacity = 4;   /* no buffer but a capacity: a caller's mistake */
    assert_int_equal(albert_tokenize(models[EN], text, strlen(text), NULL, 0, 0, &tok), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_sentencepiece_encode(models[EN], text, strlen(text), &tok), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_tokenize(NULL, "a", 1, NULL, 0, 0, &tok), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_tokenize(models[EN], NULL, 1, NULL, 0, 0, &tok), ALBERT_ERR_ARGUMENT);
    /* the empty text: [CLS] [SEP] */
    tok.ids = ids; tok.capacity = 4;
    assert_int_equal(albert_tokenize(models[EN], NULL, 0, NULL, 0, 0, &tok), ALBERT_OK);
    assert_int_equal(tok.n_tokens, 2);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 3);
    /* vocabulary entries (formats.md 5.1: 2 [CLS], 13 ▁, 14 ▁the) */
    piece = albert_token_piece(models[EN], 14, &length);
    assert_non_null(piece);
    assert_int_equal(length, 6);
    assert_memory_equal(piece, "\xe2\x96\x81the", 6);
    piece = albert_token_piece(models[EN], 2, &length);
    assert_int_equal(length, 5);
    assert_memory_equal(piece, "[CLS]", 5);
    assert_null(albert_token_piece(models[EN], 30000, &length));
    assert_null(albert_token_piece(models[EN], -1, &length));
    assert_int_equal(albert_model_config(models[EN])->vocab_size, 30000);
}

/* ---------------------------------------------------------------- the converter and corrupt files */
static void test_converter_refuses(void **state)
{
    char out[300];
    (void)state;
    snprintf(out, sizeof(out), "%s/bpe.albert", temp_dir);
    assert_int_not_equal(convert("data/tok/bpe.model", out), 0);
    assert_false(tu_file_exists(out));
    assert_int_not_equal(convert("data/tok/golden/texts.txt", out), 0);   /* not a protobuf */
    assert_false(tu_file_exists(out));
}

/* Finds a tensor's data in a blob image; NULL if absent. */
static uint8_t *blob_tensor(uint8_t *blob, const char *name, uint64_t *size)
{
    uint64_t dir, off;
    uint32_t n, i;
    memcpy(&dir, blob + 24, 8);
    memcpy(&n, blob + 32, 4);
    for (i = 0; i < n; i++) {
        uint8_t *e = blob + dir + 80u * i;
        if (strncmp((const char *)e, name, 32) == 0) {
            memcpy(&off, e + 64, 8);
            memcpy(size, e + 72, 8);
            return blob + off;
        }
    }
    return NULL;
}

static void test_corrupt_files(void **state)
{
    size_t size = 0;
    uint8_t *original = (uint8_t *)tu_read_file(blob_paths[EN], &size), *copy;
    int c;
    (void)state;
    assert_non_null(original);
    assert_int_equal(posix_memalign((void **)&copy, 64, size), 0);   /* the loader wants 64-byte aligned memory */
    for (c = 0; c < 9; c++) {
        albert_model *m = NULL;
        albert_error err;
        uint64_t tsize = 0;
        uint8_t *t;
        uint32_t v;
        memcpy(copy, original, size);
        switch (c) {
        case 0: t = blob_tensor(copy, "tok.offsets", &tsize); v = 0xFFFFFFF0u; memcpy(t + 20, &v, 4); break;
        case 1: t = blob_tensor(copy, "tok.types", &tsize); t[7] = 9; break;
        case 2: t = blob_tensor(copy, "tok.charsmap", &tsize); v = 0x7FFFFFF0u; memcpy(t, &v, 4); break;
        case 3: t = blob_tensor(copy, "tok.charsmap", &tsize); t[tsize - 1] = 'x'; break;
        case 4: {   /* a trie unit whose parent does not exist */
            uint32_t *units;
            uint64_t k;
            t = blob_tensor(copy, "tok.trie", &tsize);
            units = (uint32_t *)(void *)t;
            for (k = 1; k < tsize / 8 && units[2 * k + 1] == 0xFFFFFFFFu; k++) {}
            units[2 * k + 1] = 0x7FFFFFF0u;
            break;
        }
        case 5: t = blob_tensor(copy, "tok.trie_ids", &tsize); v = 1u << 30; memcpy(t + 12, &v, 4); break;
        case 6: t = blob_tensor(copy, "tok.spm_flags", &tsize); t[1] = 1; break;
        case 7: {   /* a unit marked as the end of a piece without a piece id */
            uint32_t *units;
            t = blob_tensor(copy, "tok.trie", &tsize);
            units = (uint32_t *)(void *)t;
            units[0] |= 0x80000000u;
            break;
        }
        default: {   /* a base whose children would lie past the end of the trie */
            uint32_t *units;
            t = blob_tensor(copy, "tok.user_trie", &tsize);
            units = (uint32_t *)(void *)t;
            units[0] = (uint32_t)(tsize / 8) - 255;
            break;
        }
        }
        assert_non_null(t);
        assert_int_equal(albert_model_load_memory(copy, size, &m, &err), ALBERT_ERR_FORMAT);
        assert_null(m);
        if (c == 0) {   /* the same through a file */
            char path[300];
            snprintf(path, sizeof(path), "%s/corrupt.albert", temp_dir);
            assert_int_equal(tu_write_file(path, copy, size), 0);
            assert_int_equal(albert_model_load(path, &m, &err), ALBERT_ERR_FORMAT);
            assert_non_null(strstr(err.message, "tok.offsets"));
            remove(path);
        }
    }
    free(copy);
    free(original);
}

/* ---------------------------------------------------------------- threads */
static void test_threads(void **state)
{
    pthread_t threads[3];
    id_file_check checks[3];
    int i;
    (void)state;
    for (i = 0; i < 3; i++) {
        checks[i].model = models[EN];
        checks[i].texts_path = "data/tok/random/texts.txt";
        checks[i].ids_path = i == 1 ? "data/tok/random/en_sp_ids.txt" : "data/tok/random/en_hf_ids.txt";
        checks[i].use_hf = i != 1;
        assert_int_equal(pthread_create(&threads[i], NULL, run_id_file_check, &checks[i]), 0);
    }
    for (i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(checks[i].lines, 1000);
        assert_int_equal(checks[i].mismatches, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_en),
        cmocka_unit_test(test_golden_de),
        cmocka_unit_test(test_golden_vi),
        cmocka_unit_test(test_random_texts),
        cmocka_unit_test(test_english_texts),
        cmocka_unit_test(test_byte_fallback),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_converter_refuses),
        cmocka_unit_test(test_corrupt_files),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
