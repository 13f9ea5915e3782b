/* test_truncate.c - albert_tokenize's truncation of one long text, which reads the text only as far as needed
   (early stop): the ids and offsets must be exactly those of tokenizing the whole text and cutting it as HF does
   ([CLS] + the first max_tokens - 2 pieces + [SEP]; the whole-text path is the one checked against HF's ids in
   test_tokenizer / test_wordpiece). English SentencePiece and Chinese WordPiece, texts built from the golden
   texts (ASCII, specials, quotes, tabs and newlines, runs of spaces, non-ASCII early and late), max_tokens from 3
   to 1000. A text whose bytes past the needed prefix sit on an inaccessible page shows that they are never read.
   Run from tests/ (make test). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE   /* MAP_ANONYMOUS */
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "testutil.h"

static const char *converter(void)
{
    const char *c = getenv("ALBERT_CONVERT");
    return (c && *c) ? c : "../build/albert-convert";
}

static albert_model *load_tokenizer(const char *src, const char *out)
{
    char command[2048];
    albert_model *m = NULL;
    albert_error err;
    snprintf(command, sizeof command, "'%s' -q --tokenizer-only '%s' '%s'", converter(), src, out);
    assert_int_equal(system(command), 0);
    if (albert_model_load(out, &m, &err) != ALBERT_OK) fail_msg("%s", err.message);
    remove(out);   /* mapped: stays readable */
    return m;
}

/* Tokenizes text[0..len) truncated to max_tokens, and the whole text cut by hand; both must agree exactly. */
static void check_one(const albert_model *m, const char *text, size_t len, int max_tokens)
{
    static int32_t ids[1 << 16], offs[2 << 16], full_ids[1 << 16], full_offs[2 << 16];
    albert_tokens t = { ids, NULL, offs, 1 << 16, 0 }, f = { full_ids, NULL, full_offs, 1 << 16, 0 };
    int n, k;
    assert_int_equal(albert_tokenize(m, text, len, NULL, 0, max_tokens, &t), ALBERT_OK);
    assert_int_equal(albert_tokenize(m, text, len, NULL, 0, 0, &f), ALBERT_OK);
    n = f.n_tokens > max_tokens ? max_tokens : f.n_tokens;
    if (t.n_tokens != n) fail_msg("max_tokens %d, %lu bytes: %d tokens, expected %d", max_tokens, (unsigned long)len, t.n_tokens, n);
    for (k = 0; k < n - 1; k++) {
        if (ids[k] != full_ids[k] || offs[2 * k] != full_offs[2 * k] || offs[2 * k + 1] != full_offs[2 * k + 1])
            fail_msg("max_tokens %d, %lu bytes: token %d is %d [%d,%d), expected %d [%d,%d)", max_tokens,
                     (unsigned long)len, k, ids[k], offs[2 * k], offs[2 * k + 1], full_ids[k], full_offs[2 * k],
                     full_offs[2 * k + 1]);
    }
    assert_int_equal(ids[n - 1], full_ids[f.n_tokens - 1]);   /* [SEP] */
}

/* The golden texts joined into one long text with the separator, repeated to at least min_bytes. */
static char *long_text(const char *texts_path, const char *sep, size_t min_bytes, int ascii_only, size_t *len)
{
    size_t size, n = 0, cap = min_bytes * 2 + 65536;
    char *all = (char *)tu_read_file(texts_path, &size), *out = (char *)malloc(cap);
    assert_non_null(all);
    assert_non_null(out);
    while (n < min_bytes) {
        size_t start = 0, end;
        while (start < size) {   /* each non-empty line of the file */
            int ascii = 1;
            for (end = start; end < size && all[end] != '\n'; end++) ascii &= (unsigned char)all[end] < 0x80;
            if (end > start && (!ascii_only || ascii) && n + (end - start) + strlen(sep) < cap) {
                memcpy(out + n, all + start, end - start);
                n += end - start;
                memcpy(out + n, sep, strlen(sep));
                n += strlen(sep);
            }
            start = end + 1;
        }
    }
    free(all);
    *len = n;
    return out;
}

static const int limits[] = { 3, 4, 7, 64, 510, 1000 };

static void check_texts(const albert_model *m, const char *texts, int ascii_only)
{
    static const char *seps[] = { " ", "  \t ", "\n", " [MASK] ", " `` quoted '' ", "\r\n" };
    size_t s, l, len, n_seps = getenv("ALBERT_TEST_LIGHT") ? 2 : sizeof seps / sizeof seps[0];   /* valgrind */
    for (s = 0; s < n_seps; s++) {
        char *text = long_text(texts, seps[s], 20000, ascii_only, &len);
        for (l = 0; l < sizeof limits / sizeof limits[0]; l++) check_one(m, text, len, limits[l]);
        /* a non-ASCII character early (SentencePiece: no early stop) and late (the prefix before it is fine) */
        memcpy(text + 5, "\xc3\xa9", 2);
        for (l = 0; l < sizeof limits / sizeof limits[0]; l++) check_one(m, text, len, limits[l]);
        memcpy(text + 5, "ab", 2);
        memcpy(text + 3000, "\xe2\x80\x94", 3);
        for (l = 0; l < sizeof limits / sizeof limits[0]; l++) check_one(m, text, len, limits[l]);
        free(text);
    }
}

/* Sparse texts (long words, long runs of whitespace) put the cut near the max_tokens-th piece, where a cut that
   is not at a word boundary would change the last pieces: every max_tokens from 3 to 400. */
static void check_boundaries(const albert_model *m)
{
    static const char *words[] = { "internationalization", "counterrevolutionaries", "a", "photosynthesis",
                                   "xylophone", "Hello", "don't", "1,000,000", "e-mail", "[MASK]", "x" };
    static const char *seps[] = { " ", "     ", "\t\t\t\t\t\t\t\t\t\t\t\t\t", " \n \n           " };
    char text[8192];
    size_t s, n, w;
    int limit;
    for (s = 0; s < sizeof seps / sizeof seps[0]; s++) {
        for (n = 0, w = 0; n < 3000; w++)
            n += (size_t)sprintf(text + n, "%s%s", words[(w * 7) % (sizeof words / sizeof words[0])], seps[s]);
        for (limit = 3; limit <= 400; limit += getenv("ALBERT_TEST_LIGHT") ? 37 : 1) check_one(m, text, n, limit);
    }
}

static void test_sentencepiece(void **state)
{
    albert_model *m = load_tokenizer("data/tok/en.model", "../build/test_truncate_en.albert");
    (void)state;
    check_boundaries(m);
    check_texts(m, "data/tok/golden/texts.txt", 1);
    check_texts(m, "data/tok/golden/texts.txt", 0);
    albert_model_free(m);
}

static void test_wordpiece(void **state)
{
    albert_model *m = load_tokenizer("data/tok/zh/vocab.txt", "../build/test_truncate_zh.albert");
    (void)state;
    check_boundaries(m);
    check_texts(m, "data/tok/zh/texts.txt", 0);
    check_texts(m, "data/tok/golden/texts.txt", 0);
    albert_model_free(m);
}

/* The bytes after the prefix that gives max_tokens pieces are on a PROT_NONE page: reading them would crash. */
static void check_unread_tail(const albert_model *m)
{
    size_t page = 65536, head = page, total = head + page * 16, i, len;   /* a multiple of any page size */
    char *text = long_text("data/tok/golden/texts.txt", " ", head, 1, &len), *map;
    albert_tokens t;
    int32_t ids[64];
#ifdef _WIN32
    DWORD old_protect;
    map = (char *)VirtualAlloc(NULL, total, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_non_null(map);
#else
    map = (char *)mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(map != MAP_FAILED);
#endif
    memcpy(map, text, head);
    for (i = 0; i < head; i++) if (map[i] == '\n') map[i] = ' ';
#ifdef _WIN32
    assert_true(VirtualProtect(map + head, total - head, PAGE_NOACCESS, &old_protect) != 0);
#else
    assert_int_equal(mprotect(map + head, total - head, PROT_NONE), 0);
#endif
    memset(&t, 0, sizeof t);
    t.ids = ids;
    t.capacity = 64;
    assert_int_equal(albert_tokenize(m, map, total, NULL, 0, 64, &t), ALBERT_OK);   /* 64 tokens of a 1 MB text */
    assert_int_equal(t.n_tokens, 64);
    check_one(m, map, head - 200, 64);
#ifdef _WIN32
    VirtualFree(map, 0, MEM_RELEASE);
#else
    munmap(map, total);
#endif
    free(text);
}

static void test_stops_early(void **state)
{
    albert_model *en = load_tokenizer("data/tok/en.model", "../build/test_truncate_en2.albert");
    albert_model *zh = load_tokenizer("data/tok/zh/vocab.txt", "../build/test_truncate_zh2.albert");
    (void)state;
    check_unread_tail(en);
    check_unread_tail(zh);
    albert_model_free(en);
    albert_model_free(zh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentencepiece),
        cmocka_unit_test(test_wordpiece),
        cmocka_unit_test(test_stops_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
