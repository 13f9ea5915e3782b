/* test_tokjson.c - tokenizer.json (HF "fast" tokenizers) converted into the model file's tokenizer.
   References: tests/data/tok-fast/<lang>/fast_ids.txt, the ids HF's Rust tokenizers library gives for
   tests/data/tok/golden/texts.txt with tokenizer.json (copied from ../shared/golden/tok-fast; the tokenizer.json
   files are stored minified: the same JSON values, whitespace removed). Every line must be equal, for the three
   Unigram vocabularies (en, de, vi: AlbertTokenizerFast) and the WordPiece one (zh: BertTokenizerFast).
   Bad inputs (a BPE model, a broken base64 charsmap, ids out of range, unsupported steps) each have their own test:
   a clear error and no model file left behind. */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static char work_dir[256];

static int make_work_dir(void **state)
{
    (void)state;
    snprintf(work_dir, sizeof work_dir, "/tmp/albert-test-tokjson-XXXXXX");
    return mkdtemp(work_dir) ? 0 : -1;
}

static int remove_work_dir(void **state)
{
    char command[512];
    (void)state;
    snprintf(command, sizeof command, "rm -rf '%s'", work_dir);
    return system(command) == 0 ? 0 : -1;
}

static int run_convert(const char *options, const char *src, const char *out, char *log, size_t log_size)
{
    const char *converter = getenv("ALBERT_CONVERT");
    char command[4096], log_path[600];
    int status;
    char *text;
    if (!converter || !*converter) converter = "../build/albert-convert";
    snprintf(log_path, sizeof log_path, "%s.log", out);
    snprintf(command, sizeof command, "'%s' %s '%s' '%s' >'%s' 2>&1", converter, options, src, out, log_path);
    status = system(command);
    text = (char *)tu_read_file(log_path, NULL);
    if (log && log_size) snprintf(log, log_size, "%s", text ? text : "");
    free(text);
    remove(log_path);
    return status;
}

/* Splits text on "\n" into lines (in place); returns the count. */
static size_t split_lines(char *text, size_t size, char ***lines)
{
    size_t n = 0, i, cap = 16;
    char *start = text;
    *lines = (char **)malloc(cap * sizeof(char *));
    for (i = 0; i <= size; i++) {
        if (i < size && text[i] != '\n') continue;
        if (i == size && start == text + size) break;
        if (n == cap) *lines = (char **)realloc(*lines, (cap *= 2) * sizeof(char *));
        if (i < size) text[i] = '\0';
        (*lines)[n++] = start;
        start = text + i + 1;
    }
    return n;
}

static void check_language(const char *lang, int expect_fast)
{
    char src[256], out[512], log[4096], ids_path[256];
    char *texts, *ids, **text_lines, **id_lines;
    size_t texts_size, ids_size, n_texts, n_ids, k;
    albert_model *model;
    albert_error err;
    int equal = 0;
    snprintf(src, sizeof src, "data/tok-fast/%s/tokenizer.json", lang);
    snprintf(out, sizeof out, "%s/%s.albert", work_dir, lang);
    if (run_convert("--tokenizer-only", src, out, log, sizeof log) != 0) fail_msg("%s", log);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    assert_int_equal((albert_model_config(model)->tokenizer_flags2 & ALBERT_TOKENIZER2_FAST) != 0, expect_fast);
    texts = (char *)tu_read_file("data/tok/golden/texts.txt", &texts_size);
    snprintf(ids_path, sizeof ids_path, "data/tok-fast/%s/fast_ids.txt", lang);
    ids = (char *)tu_read_file(ids_path, &ids_size);
    assert_non_null(texts);
    assert_non_null(ids);
    n_texts = split_lines(texts, texts_size, &text_lines);
    n_ids = split_lines(ids, ids_size, &id_lines);
    assert_int_equal(n_texts, n_ids);
    for (k = 0; k < n_texts; k++) {
        int32_t buf[4096];
        albert_tokens tok = {buf, NULL, NULL, 4096, 0};
        char got[16384];
        size_t used = 0;
        int32_t i;
        assert_int_equal(albert_tokenize(model, text_lines[k], strlen(text_lines[k]), NULL, 0, 0, &tok), ALBERT_OK);
        got[0] = '\0';
        for (i = 0; i < tok.n_tokens && used + 16 < sizeof got; i++)
            used += (size_t)snprintf(got + used, sizeof got - used, i ? " %d" : "%d", (int)buf[i]);
        if (strcmp(got, id_lines[k]) == 0) equal++;
        else printf("# %s line %d differs:\n#   text \"%s\"\n#   ours %s\n#   fast %s\n", lang, (int)k + 1, text_lines[k], got,
                    id_lines[k]);
    }
    printf("# %s: %d of %d lines equal to HF's fast tokenizer (%.1f %%)\n", lang, equal, (int)n_texts,
           100.0 * equal / (double)n_texts);
    assert_int_equal(equal, (int)n_texts);
    free(text_lines); free(id_lines); free(texts); free(ids);
    albert_model_free(model);
}

static void test_en(void **state) { (void)state; check_language("en", 1); }
static void test_de(void **state) { (void)state; check_language("de", 1); }
static void test_vi(void **state) { (void)state; check_language("vi", 1); }
static void test_zh(void **state) { (void)state; check_language("zh", 0); }

/* A pair and the offsets: "[CLS] A [SEP] B [SEP]" with type ids, offsets inside the texts. */
static void test_pair_and_offsets(void **state)
{
    char out[512], log[4096];
    albert_model *model;
    albert_error err;
    int32_t ids[64], types[64], offsets[128], i;
    albert_tokens tok = {ids, types, offsets, 64, 0};
    const char *a = "Hello world", *b = "again";
    (void)state;
    snprintf(out, sizeof out, "%s/pair.albert", work_dir);
    if (run_convert("--tokenizer-only", "data/tok-fast/en/tokenizer.json", out, log, sizeof log) != 0) fail_msg("%s", log);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    assert_int_equal(albert_tokenize(model, a, strlen(a), b, strlen(b), 0, &tok), ALBERT_OK);
    assert_true(tok.n_tokens >= 6);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[tok.n_tokens - 1], 3);
    for (i = 0; i < tok.n_tokens; i++) {
        if (ids[i] == 2 || ids[i] == 3) { assert_int_equal(offsets[2 * i], -1); continue; }
        assert_true(offsets[2 * i] >= 0 && offsets[2 * i] <= offsets[2 * i + 1]);
        assert_true(offsets[2 * i + 1] <= (int32_t)strlen(types[i] ? b : a));
    }
    assert_int_equal(types[tok.n_tokens - 1], 1);
    assert_int_equal(types[0], 0);
    albert_model_free(model);
}

/* tokenizers' Precompiled works on grapheme clusters: one shorter than 6 bytes is replaced whole by the rule of
   its shortest matching prefix (spm_precompiled's transform, on unicode-segmentation's graphemes). U+2581 has the
   rule " " in nmt_nfkc; U+0489 (Me, kept by StripAccents) extends it into a 5-byte cluster, so "x\u2581\u0489y"
   must tokenize as "x y" (the mark disappears with the cluster), while U+0489 after a letter is kept (its own
   cluster "x\u0489" has no rule) and "\u2581\u0489" followed by 2 more marks (7 bytes) goes character by character. */
static void test_precompiled_graphemes(void **state)
{
    char out[512], log[4096];
    albert_model *model;
    albert_error err;
    int32_t a[32], b[32], c[32];
    albert_tokens ta = {a, NULL, NULL, 32, 0}, tb = {b, NULL, NULL, 32, 0}, tc = {c, NULL, NULL, 32, 0};
    int32_t i;
    const char *cluster = "x\xe2\x96\x81\xd2\x89y", *plain = "x y", *mark = "x\xd2\x89y";
    const char *long_cluster = "x\xe2\x96\x81\xd2\x89\xd2\x89y";
    (void)state;
    snprintf(out, sizeof out, "%s/graphemes.albert", work_dir);
    if (run_convert("--tokenizer-only", "data/tok-fast/en/tokenizer.json", out, log, sizeof log) != 0) fail_msg("%s", log);
    if (albert_model_load(out, &model, &err) != ALBERT_OK) fail_msg("%s", err.message);
    assert_int_equal(albert_tokenize(model, cluster, strlen(cluster), NULL, 0, 0, &ta), ALBERT_OK);
    assert_int_equal(albert_tokenize(model, plain, strlen(plain), NULL, 0, 0, &tb), ALBERT_OK);
    assert_int_equal(ta.n_tokens, tb.n_tokens);
    for (i = 0; i < ta.n_tokens; i++) assert_int_equal(a[i], b[i]);
    assert_int_equal(albert_tokenize(model, mark, strlen(mark), NULL, 0, 0, &tc), ALBERT_OK);
    assert_true(tc.n_tokens != tb.n_tokens || memcmp(c, b, sizeof(int32_t) * (size_t)tb.n_tokens) != 0);
    tc.n_tokens = 0;
    assert_int_equal(albert_tokenize(model, long_cluster, strlen(long_cluster), NULL, 0, 0, &tc), ALBERT_OK);
    assert_true(tc.n_tokens > tb.n_tokens);   /* the marks stay: "x", then the word of the two marks and y */
    albert_model_free(model);
}

/* tokenizer.json with `from` replaced by `to` (once); the conversion must fail naming `expect`, leaving no file. */
static void expect_refused(const char *lang, const char *from, const char *to, const char *expect)
{
    char src_path[256], path[600], out[700], log[4096];
    size_t size;
    char *text, *hit, *edited;
    snprintf(src_path, sizeof src_path, "data/tok-fast/%s/tokenizer.json", lang);
    text = (char *)tu_read_file(src_path, &size);
    assert_non_null(text);
    hit = strstr(text, from);
    if (!hit) fail_msg("\"%s\" not found in %s", from, src_path);
    edited = (char *)malloc(size + strlen(to) + 1);
    memcpy(edited, text, (size_t)(hit - text));
    strcpy(edited + (hit - text), to);
    strcat(edited + (hit - text), hit + strlen(from));
    snprintf(path, sizeof path, "%s/bad.json", work_dir);
    assert_int_equal(tu_write_file(path, edited, strlen(edited)), 0);
    snprintf(out, sizeof out, "%s/bad.albert", work_dir);
    if (run_convert("--tokenizer-only", path, out, log, sizeof log) == 0) fail_msg("converted: %s -> %s", from, to);
    if (!strstr(log, expect)) fail_msg("the message does not say \"%s\":\n%s", expect, log);
    assert_false(tu_file_exists(out));
    printf("# %s", strstr(log, "error:") ? strstr(log, "error:") : log);
    free(text);
    free(edited);
}

static void test_refuses_bpe(void **state)
{
    (void)state;
    expect_refused("en", "\"type\":\"Unigram\"", "\"type\":\"BPE\"", "model BPE is not supported");
}

static void test_refuses_broken_base64(void **state)
{
    (void)state;
    expect_refused("en", "\"precompiled_charsmap\":\"ALQC", "\"precompiled_charsmap\":\"AL*C", "not valid base64");
}

static void test_refuses_truncated_charsmap(void **state)
{
    (void)state;   /* valid base64 of a charsmap whose trie size does not fit */
    expect_refused("en", "\"precompiled_charsmap\":\"ALQC", "\"precompiled_charsmap\":\"////ALQC", "trie size");
}

static void test_refuses_unk_id_out_of_range(void **state)
{
    (void)state;
    expect_refused("en", "\"unk_id\":1", "\"unk_id\":30000", "Unigram unk_id = 30000 is out of range");
}

static void test_refuses_added_token_id_out_of_range(void **state)
{
    (void)state;
    expect_refused("en", "\"id\":4,", "\"id\":-4,", "out of range");
}

static void test_refuses_wordpiece_id_out_of_range(void **state)
{
    (void)state;
    expect_refused("zh", "\"[unused1]\":1,", "\"[unused1]\":21128,", "= 21128 is out of range");
}

static void test_refuses_template_id_out_of_range(void **state)
{
    (void)state;
    expect_refused("zh", "\"ids\":[101]", "\"ids\":[99999]", "99999 is out of range");
}

static void test_refuses_other_pre_tokenizer(void **state)
{
    (void)state;
    expect_refused("en", "\"pre_tokenizer\":{\"type\":\"Metaspace\"", "\"pre_tokenizer\":{\"type\":\"Whitespace\"",
                   "pre_tokenizer Whitespace is not supported");
}

static void test_refuses_unknown_normalizer(void **state)
{
    (void)state;
    expect_refused("en", "{\"type\":\"NFKD\"}", "{\"type\":\"NFC\"}", "normalizer NFC is not supported");
}

static void test_refuses_normalizer_order(void **state)
{
    (void)state;
    expect_refused("en", "{\"type\":\"NFKD\"},{\"type\":\"StripAccents\"}", "{\"type\":\"StripAccents\"},{\"type\":\"NFKD\"}",
                   "order that is not supported");
}

static void test_refuses_extra_added_token(void **state)
{
    (void)state;
    expect_refused("en", "\"content\":\"[MASK]\"", "\"content\":\"[MASK]\"},{\"id\":5,\"content\":\"(\"",
                   "is not supported (only the pad");
}

static void test_refuses_post_processor(void **state)
{
    (void)state;
    expect_refused("zh", "\"post_processor\":{\"type\":\"TemplateProcessing\"", "\"post_processor\":{\"type\":\"RobertaProcessing\"",
                   "post_processor RobertaProcessing is not supported");
}

static void test_refuses_wordpiece_prefix(void **state)
{
    (void)state;
    expect_refused("zh", "\"continuing_subword_prefix\":\"##\"", "\"continuing_subword_prefix\":\"@@\"",
                   "continuing_subword_prefix");
}

/* The loader refuses inconsistent extra tokenizer flags. */
static void test_bad_flags(void **state)
{
    char out[512], log[4096];
    size_t size;
    uint8_t *file;
    void *block;
    albert_model *model = NULL;
    albert_error err;
    uint32_t v;
    (void)state;
    snprintf(out, sizeof out, "%s/flags.albert", work_dir);
    if (run_convert("--tokenizer-only", "data/tok-fast/zh/tokenizer.json", out, log, sizeof log) != 0) fail_msg("%s", log);
    file = (uint8_t *)tu_read_file(out, &size);
    assert_non_null(file);
    assert_int_equal(posix_memalign(&block, 64, size), 0);
    memcpy(block, file, size);
    v = ALBERT_TOKENIZER2_FAST;   /* the fast Unigram pipeline on a WordPiece tokenizer */
    memcpy((uint8_t *)block + 152, &v, 4);
    assert_int_equal(albert_model_load_memory(block, size, &model, &err), ALBERT_ERR_FORMAT);
    assert_non_null(strstr(err.message, "extra tokenizer flags"));
    free(block);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_en),
        cmocka_unit_test(test_de),
        cmocka_unit_test(test_vi),
        cmocka_unit_test(test_zh),
        cmocka_unit_test(test_pair_and_offsets),
        cmocka_unit_test(test_precompiled_graphemes),
        cmocka_unit_test(test_refuses_bpe),
        cmocka_unit_test(test_refuses_broken_base64),
        cmocka_unit_test(test_refuses_truncated_charsmap),
        cmocka_unit_test(test_refuses_unk_id_out_of_range),
        cmocka_unit_test(test_refuses_added_token_id_out_of_range),
        cmocka_unit_test(test_refuses_wordpiece_id_out_of_range),
        cmocka_unit_test(test_refuses_template_id_out_of_range),
        cmocka_unit_test(test_refuses_other_pre_tokenizer),
        cmocka_unit_test(test_refuses_unknown_normalizer),
        cmocka_unit_test(test_refuses_normalizer_order),
        cmocka_unit_test(test_refuses_extra_added_token),
        cmocka_unit_test(test_refuses_post_processor),
        cmocka_unit_test(test_refuses_wordpiece_prefix),
        cmocka_unit_test(test_bad_flags),
    };
    return cmocka_run_group_tests(tests, make_work_dir, remove_work_dir);
}
