/* test_bad_input.c - corrupt model files and bad arguments: each gives its specific albert_result, never a crash,
   and never writes the caller's output buffers. The corrupt files are made from a good blob (the converter's output
   for data/models/tiny) by changing single fields, and each is loaded both from memory (albert_model_load_memory)
   and from a file (albert_model_load). This file compiles the library with ALBERT_STATIC (a private copy in one C
   translation unit; it calls every public function, so none is unused). Run with tests/ as the working directory. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define ALBERT_STATIC
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"

/* blob layout (albert.h "THE MODEL FILE") */
#define HEADER_SIZE 256
#define ENTRY_SIZE 80
#define H_VERSION 8
#define H_ENDIAN 12
#define H_FILE_SIZE 16
#define H_DIR_OFFSET 24
#define H_N_ENTRIES 32
#define H_HEADER_SIZE 36
#define H_VOCAB 40
#define H_EMBEDDING 44
#define H_HIDDEN 48
#define H_LAYERS 52
#define H_HEADS 56
#define H_INTERMEDIATE 60
#define H_GROUPS 64
#define H_INNER 68
#define H_MAX_POS 72
#define H_TYPE_VOCAB 76
#define H_ACT 80
#define H_EPS 84
#define E_DTYPE 32
#define E_LAYOUT 36
#define E_NDIM 40
#define E_DIMS 44
#define E_RESERVED 60
#define E_OFFSET 64
#define E_SIZE 72

#define SENTINEL 12345.25f

/* the good blob, converted once for the whole file */
static char temp_dir[64];
static char good_path[128];
static uint8_t *good;        /* 64-byte aligned copy of the file */
static size_t good_size;

static uint32_t get_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }
static void put_u32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void put_u64(uint8_t *p, uint64_t v) { put_u32(p, (uint32_t)v); put_u32(p + 4, (uint32_t)(v >> 32)); }

static uint8_t *aligned_copy(const uint8_t *src, size_t size, size_t capacity)
{
    void *p = NULL;
    assert_int_equal(posix_memalign(&p, 64, capacity ? capacity : 64), 0);
    memset(p, 0, capacity ? capacity : 64);
    if (size) memcpy(p, src, size);
    return (uint8_t *)p;
}

static int group_setup(void **state)
{
    size_t size;
    void *file;
    (void)state;
    strcpy(temp_dir, "/tmp/albert_bad_input_XXXXXX");
    if (!mkdtemp(temp_dir)) return -1;
    snprintf(good_path, sizeof good_path, "%s/good.albert", temp_dir);
    if (tu_convert("data/models/tiny", good_path) != 0) return -1;
    file = tu_read_file(good_path, &size);
    if (!file) return -1;
    good = aligned_copy((const uint8_t *)file, size, size);
    good_size = size;
    free(file);
    return 0;
}

static int group_teardown(void **state)
{
    char path[160];
    (void)state;
    free(good);
    remove(good_path);
    snprintf(path, sizeof path, "%s/corrupt.albert", temp_dir);
    remove(path);
    rmdir(temp_dir);
    return 0;
}

/* Offset of the directory entry called name in blob b. */
static size_t entry_of(const uint8_t *b, const char *name)
{
    uint64_t dir = get_u64(b + H_DIR_OFFSET);
    uint32_t n = get_u32(b + H_N_ENTRIES), i;
    for (i = 0; i < n; i++) {
        size_t e = (size_t)dir + (size_t)i * ENTRY_SIZE;
        if (strncmp((const char *)b + e, name, 32) == 0) return e;
    }
    fail_msg("no tensor %s in the good blob", name);
    return 0;
}

/* Loading blob b (size bytes) must fail with `expected`, from memory and from a file, with a message and no model. */
static void expect_load_error(const uint8_t *b, size_t size, albert_result expected, const char *what)
{
    char path[160];
    albert_model *model = NULL;
    albert_error err;
    albert_result r;
    uint8_t *copy = aligned_copy(b, size, size);

    memset(&err, 0, sizeof err);
    r = albert_model_load_memory(copy, size, &model, &err);
    if (r != expected)
        fail_msg("%s: albert_model_load_memory -> %s (%s), expected %s", what, albert_result_string(r), err.message,
                 albert_result_string(expected));
    assert_null(model);
    assert_int_equal(err.code, expected);
    assert_true(err.message[0] != 0);
    free(copy);

    snprintf(path, sizeof path, "%s/corrupt.albert", temp_dir);
    assert_int_equal(tu_write_file(path, b, size), 0);
    memset(&err, 0, sizeof err);
    r = albert_model_load(path, &model, &err);
    if (r != expected)
        fail_msg("%s: albert_model_load -> %s (%s), expected %s", what, albert_result_string(r), err.message,
                 albert_result_string(expected));
    assert_null(model);
    assert_int_equal(err.code, expected);
    assert_true(err.message[0] != 0);
}

/* A copy of the good blob with one u32 / u64 field changed must fail with `expected`. */
static void expect_u32_error(size_t offset, uint32_t value, albert_result expected, const char *what)
{
    uint8_t *b = aligned_copy(good, good_size, good_size);
    put_u32(b + offset, value);
    expect_load_error(b, good_size, expected, what);
    free(b);
}

static void expect_u64_error(size_t offset, uint64_t value, albert_result expected, const char *what)
{
    uint8_t *b = aligned_copy(good, good_size, good_size);
    put_u64(b + offset, value);
    expect_load_error(b, good_size, expected, what);
    free(b);
}

/* ------------------------------------------------------------------------------------------------ the file */

static void test_good_blob_loads(void **state)
{
    albert_model *model = NULL;
    albert_error err;
    const albert_config *c;
    (void)state;
    assert_int_equal(albert_model_load_memory(good, good_size, &model, &err), ALBERT_OK);
    c = albert_model_config(model);
    assert_int_equal(c->vocab_size, 100);
    assert_int_equal(c->hidden_size, 32);
    assert_int_equal(c->num_hidden_layers, 3);
    albert_model_free(model);
    assert_int_equal(albert_model_load(good_path, &model, NULL), ALBERT_OK);
    albert_model_free(model);
}

/* Cut points: every 64 bytes of the header and of the directory (wherever the header says it is), a spread of
   points over the rest of the file, the last byte, and sizes shorter than the magic. */
static void test_truncated(void **state)
{
    uint64_t dir = get_u64(good + H_DIR_OFFSET), dir_end = dir + (uint64_t)get_u32(good + H_N_ENTRIES) * ENTRY_SIZE;
    size_t cut, n_cuts = 0, i;
    char what[64];
    (void)state;
    assert_true(dir >= HEADER_SIZE && dir_end <= good_size);
    for (cut = 64; cut <= HEADER_SIZE; cut += 64) {
        snprintf(what, sizeof what, "cut at %lu (header)", (unsigned long)cut);
        expect_load_error(good, cut, ALBERT_ERR_FORMAT, what);
        n_cuts++;
    }
    for (cut = (size_t)dir; cut < dir_end; cut += 64) {
        snprintf(what, sizeof what, "cut at %lu (directory)", (unsigned long)cut);
        expect_load_error(good, cut, ALBERT_ERR_FORMAT, what);
        n_cuts++;
    }
    for (i = 1; i <= 24; i++) {
        cut = HEADER_SIZE + (good_size - 1 - HEADER_SIZE) * i / 24;
        snprintf(what, sizeof what, "cut at %lu", (unsigned long)cut);
        expect_load_error(good, cut, ALBERT_ERR_FORMAT, what);
        n_cuts++;
    }
    for (cut = 0; cut < 8; cut += 4) {
        snprintf(what, sizeof what, "cut at %lu (inside the magic)", (unsigned long)cut);
        expect_load_error(good, cut, ALBERT_ERR_MAGIC, what);
    }
    print_message("# %lu cut points between 64 and %lu bytes\n", (unsigned long)n_cuts, (unsigned long)good_size);
}

static void test_trailing_bytes(void **state)
{
    uint8_t *b = aligned_copy(good, good_size, good_size + 64);
    (void)state;
    expect_load_error(b, good_size + 64, ALBERT_ERR_FORMAT, "64 bytes appended");
    free(b);
}

static void test_wrong_magic(void **state)
{
    uint8_t *b = aligned_copy(good, good_size, good_size);
    (void)state;
    b[7] = 'h';
    expect_load_error(b, good_size, ALBERT_ERR_MAGIC, "magic ALBERT.h");
    memcpy(b, "GGUF\3\0\0\0", 8);
    expect_load_error(b, good_size, ALBERT_ERR_MAGIC, "magic GGUF");
    free(b);
}

static void test_unknown_version(void **state)
{
    (void)state;
    expect_u32_error(H_VERSION, 2, ALBERT_ERR_VERSION, "version 2");
    expect_u32_error(H_VERSION, 0, ALBERT_ERR_VERSION, "version 0");
    expect_u32_error(H_VERSION, 0x01000000u, ALBERT_ERR_VERSION, "version 1 big-endian");
}

static void test_wrong_endian_marker(void **state)
{
    (void)state;
    expect_u32_error(H_ENDIAN, 0x3D2C1B0Au, ALBERT_ERR_FORMAT, "big-endian marker");
    expect_u32_error(H_ENDIAN, 0, ALBERT_ERR_FORMAT, "zero endian marker");
}

static void test_file_size_field(void **state)
{
    (void)state;
    expect_u64_error(H_FILE_SIZE, good_size + 1, ALBERT_ERR_FORMAT, "file size + 1");
    expect_u64_error(H_FILE_SIZE, good_size - 1, ALBERT_ERR_FORMAT, "file size - 1");
    expect_u64_error(H_FILE_SIZE, 0, ALBERT_ERR_FORMAT, "file size 0");
    expect_u64_error(H_FILE_SIZE, UINT64_MAX, ALBERT_ERR_FORMAT, "file size 2^64-1");
}

static void test_header_fields(void **state)
{
    (void)state;
    expect_u32_error(H_HEADER_SIZE, 255, ALBERT_ERR_FORMAT, "header size 255");
    expect_u32_error(H_HEADER_SIZE, 512, ALBERT_ERR_FORMAT, "header size 512");
    expect_u32_error(200, 1, ALBERT_ERR_FORMAT, "reserved header byte");
    expect_u32_error(252, 0x80000000u, ALBERT_ERR_FORMAT, "last reserved header byte");
}

static void test_directory_outside_file(void **state)
{
    uint64_t dir = get_u64(good + H_DIR_OFFSET);
    uint32_t n = get_u32(good + H_N_ENTRIES);
    (void)state;
    expect_u64_error(H_DIR_OFFSET, (good_size + 7) / 8 * 8, ALBERT_ERR_FORMAT, "directory at the end of the file");
    expect_u64_error(H_DIR_OFFSET, (uint64_t)1 << 62, ALBERT_ERR_FORMAT, "directory offset 2^62");
    expect_u64_error(H_DIR_OFFSET, UINT64_MAX - 7, ALBERT_ERR_FORMAT, "directory offset 2^64-8 (wraps)");
    expect_u64_error(H_DIR_OFFSET, (good_size - (size_t)n * ENTRY_SIZE / 2) / 8 * 8, ALBERT_ERR_FORMAT,
                     "directory runs past the end");
    expect_u64_error(H_DIR_OFFSET, dir + 4, ALBERT_ERR_FORMAT, "directory offset not a multiple of 8");
    expect_u64_error(H_DIR_OFFSET, 128, ALBERT_ERR_FORMAT, "directory inside the header");
    expect_u64_error(H_DIR_OFFSET, 0, ALBERT_ERR_FORMAT, "directory at 0");
    expect_u32_error(H_N_ENTRIES, n + 1000, ALBERT_ERR_FORMAT, "1000 more entries than the file holds");
    expect_u32_error(H_N_ENTRIES, UINT32_MAX, ALBERT_ERR_FORMAT, "2^32-1 entries");
    expect_u32_error(H_N_ENTRIES, 0, ALBERT_ERR_FORMAT, "no entries (every tensor missing)");
}

static void test_tensor_outside_file(void **state)
{
    size_t e = entry_of(good, "g0.l0.ffn.w"), w = entry_of(good, "emb.word");
    uint64_t size = get_u64(good + e + E_SIZE);
    (void)state;
    expect_u64_error(e + E_OFFSET, (good_size + 63) / 64 * 64, ALBERT_ERR_FORMAT, "tensor offset at the end");
    expect_u64_error(e + E_OFFSET, (good_size - (size_t)size / 2) / 64 * 64, ALBERT_ERR_FORMAT,
                     "tensor runs past the end");
    expect_u64_error(e + E_OFFSET, (uint64_t)1 << 62, ALBERT_ERR_FORMAT, "tensor offset 2^62");
    expect_u64_error(e + E_OFFSET, UINT64_MAX - 63, ALBERT_ERR_FORMAT, "tensor offset 2^64-64 (offset + size wraps)");
    expect_u64_error(w + E_SIZE, (uint64_t)good_size * 2, ALBERT_ERR_FORMAT, "tensor size twice the file");
    expect_u64_error(w + E_SIZE, UINT64_MAX, ALBERT_ERR_FORMAT, "tensor size 2^64-1");
}

static void test_tensor_misaligned(void **state)
{
    size_t e = entry_of(good, "g0.l0.q.w");
    uint64_t offset = get_u64(good + e + E_OFFSET);
    (void)state;
    expect_u64_error(e + E_OFFSET, offset + 4, ALBERT_ERR_FORMAT, "tensor offset + 4");
    expect_u64_error(e + E_OFFSET, offset + 32, ALBERT_ERR_FORMAT, "tensor offset + 32");
    expect_u64_error(e + E_OFFSET, offset - 1, ALBERT_ERR_FORMAT, "tensor offset - 1");
}

static void test_tensor_overlaps_header(void **state)
{
    size_t e = entry_of(good, "emb.norm.w");
    uint64_t dir = get_u64(good + H_DIR_OFFSET);
    (void)state;
    expect_u64_error(e + E_OFFSET, 0, ALBERT_ERR_FORMAT, "tensor at offset 0 (the header)");
    expect_u64_error(e + E_OFFSET, 192, ALBERT_ERR_FORMAT, "tensor at offset 192 (the header's end)");
    expect_u64_error(e + E_OFFSET, (dir + 63) / 64 * 64, ALBERT_ERR_FORMAT, "tensor inside the directory");
}

static void test_tensor_entry_fields(void **state)
{
    size_t e = entry_of(good, "g0.l0.o.w");
    uint32_t d0 = get_u32(good + e + E_DIMS);
    uint8_t *b;
    (void)state;
    expect_u32_error(e + E_DIMS, d0 + 1, ALBERT_ERR_FORMAT, "dims[0] + 1 (dims / size mismatch)");
    expect_u32_error(e + E_DIMS + 4, 0, ALBERT_ERR_FORMAT, "dims[1] = 0");
    expect_u32_error(e + E_DIMS + 8, 1, ALBERT_ERR_FORMAT, "unused dims[2] = 1");
    expect_u64_error(e + E_SIZE, get_u64(good + e + E_SIZE) - 4, ALBERT_ERR_FORMAT, "size - 4 (dims / size mismatch)");
    expect_u32_error(e + E_NDIM, 0, ALBERT_ERR_FORMAT, "ndim 0");
    expect_u32_error(e + E_NDIM, 5, ALBERT_ERR_FORMAT, "ndim 5");
    expect_u32_error(e + E_NDIM, UINT32_MAX, ALBERT_ERR_FORMAT, "ndim 2^32-1");
    expect_u32_error(e + E_DTYPE, 6, ALBERT_ERR_FORMAT, "dtype 6 (bf16) row-major");
    expect_u32_error(e + E_DTYPE, 7, ALBERT_ERR_FORMAT, "dtype 7");
    expect_u32_error(e + E_DTYPE, 4, ALBERT_ERR_FORMAT, "dtype i32 for a weight");
    expect_u32_error(e + E_LAYOUT, 1, ALBERT_ERR_FORMAT, "layout 1 (packed) for an f32 matrix");
    expect_u32_error(e + E_LAYOUT, 2, ALBERT_ERR_FORMAT, "reserved layout 2");
    expect_u32_error(e + E_RESERVED, 7, ALBERT_ERR_FORMAT, "entry reserved field not zero");
    b = aligned_copy(good, good_size, good_size);
    memset(b + e, 'x', 32);   /* a name without its NUL */
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "name without NUL");
    memset(b + e, 0, 32);     /* an empty name */
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "empty name");
    memcpy(b + e, "g0.l0.q.w", 10);   /* a duplicate name */
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "duplicate name");
    free(b);
}

static void test_tensor_missing(void **state)
{
    static const char *const required[] = {"emb.word", "emb.pos", "emb.norm.b", "proj.w", "g0.l0.q.w",
                                           "g0.l0.ffn_norm.b", "pooler.b", "mlm.bias"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof required / sizeof required[0]; i++) {
        uint8_t *b = aligned_copy(good, good_size, good_size);
        size_t e = entry_of(b, required[i]);
        char what[64];
        b[e] = 'X';   /* renamed: an unknown name (ignored), so the tensor is missing; pooler/mlm: incomplete head */
        snprintf(what, sizeof what, "%s missing", required[i]);
        expect_load_error(b, good_size, ALBERT_ERR_FORMAT, what);
        free(b);
    }
}

static void test_tensor_wrong_shape(void **state)
{
    size_t ffn = entry_of(good, "g0.l0.ffn.w"), word = entry_of(good, "emb.word"), bias = entry_of(good, "proj.b");
    uint8_t *b;
    (void)state;
    b = aligned_copy(good, good_size, good_size);   /* [I,H] = [37,32] as [32,37]: the same size, transposed */
    put_u32(b + ffn + E_DIMS, 32);
    put_u32(b + ffn + E_DIMS + 4, 37);
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "ffn.w [32,37]");
    memcpy(b, good, good_size);                     /* [V,E] = [100,16] as [50,32] */
    put_u32(b + word + E_DIMS, 50);
    put_u32(b + word + E_DIMS + 4, 32);
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "emb.word [50,32]");
    memcpy(b, good, good_size);                     /* [H] = [32] as [1,32] */
    put_u32(b + bias + E_NDIM, 2);
    put_u32(b + bias + E_DIMS, 1);
    put_u32(b + bias + E_DIMS + 4, 32);
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "proj.b [1,32]");
    memcpy(b, good, good_size);                     /* [H] = [32] as [2,16,1,1] */
    put_u32(b + bias + E_NDIM, 4);
    put_u32(b + bias + E_DIMS, 2);
    put_u32(b + bias + E_DIMS + 4, 16);
    put_u32(b + bias + E_DIMS + 8, 1);
    put_u32(b + bias + E_DIMS + 12, 1);
    expect_load_error(b, good_size, ALBERT_ERR_FORMAT, "proj.b [2,16,1,1]");
    free(b);
}

static void test_absurd_config(void **state)
{
    (void)state;
    expect_u32_error(H_HEADS, 0, ALBERT_ERR_FORMAT, "0 heads");
    expect_u32_error(H_HEADS, 5, ALBERT_ERR_FORMAT, "5 heads do not divide 32");
    expect_u32_error(H_HEADS, 64, ALBERT_ERR_FORMAT, "64 heads > hidden 32");
    expect_u32_error(H_VOCAB, 0x80000000u, ALBERT_ERR_FORMAT, "vocab 2^31");
    expect_u32_error(H_VOCAB, UINT32_MAX, ALBERT_ERR_FORMAT, "vocab 2^32-1");
    expect_u32_error(H_VOCAB, 0, ALBERT_ERR_FORMAT, "vocab 0");
    expect_u32_error(H_HIDDEN, 0x80000000u, ALBERT_ERR_FORMAT, "hidden 2^31");
    expect_u32_error(H_EMBEDDING, 0x80000000u, ALBERT_ERR_FORMAT, "embedding 2^31");
    expect_u32_error(H_EMBEDDING, 0, ALBERT_ERR_FORMAT, "embedding 0");
    expect_u32_error(H_INTERMEDIATE, 0x80000000u, ALBERT_ERR_FORMAT, "intermediate 2^31");
    expect_u32_error(H_LAYERS, 0x80000000u, ALBERT_ERR_FORMAT, "layers 2^31");
    expect_u32_error(H_LAYERS, 0, ALBERT_ERR_FORMAT, "0 layers");
    expect_u32_error(H_GROUPS, 0, ALBERT_ERR_FORMAT, "0 groups");
    expect_u32_error(H_GROUPS, 2, ALBERT_ERR_FORMAT, "2 groups (tensors of group 1 missing)");
    expect_u32_error(H_GROUPS, 4, ALBERT_ERR_FORMAT, "4 groups > 3 layers");
    expect_u32_error(H_INNER, 0, ALBERT_ERR_FORMAT, "inner_group_num 0");
    expect_u32_error(H_INNER, 0x80000000u, ALBERT_ERR_FORMAT, "inner_group_num 2^31");
    expect_u32_error(H_MAX_POS, 0, ALBERT_ERR_FORMAT, "max_position_embeddings 0");
    expect_u32_error(H_MAX_POS, 0x80000000u, ALBERT_ERR_FORMAT, "max_position_embeddings 2^31");
    expect_u32_error(H_TYPE_VOCAB, 0, ALBERT_ERR_FORMAT, "type_vocab_size 0");
    expect_u32_error(H_TYPE_VOCAB, 0x80000000u, ALBERT_ERR_FORMAT, "type_vocab_size 2^31");
    expect_u32_error(H_ACT, 0, ALBERT_ERR_FORMAT, "activation 0");
    expect_u32_error(H_ACT, 99, ALBERT_ERR_FORMAT, "activation 99");
    expect_u32_error(H_EPS, 0x7FC00000u, ALBERT_ERR_FORMAT, "layer_norm_eps NaN");
    expect_u32_error(H_EPS, 0xBF800000u, ALBERT_ERR_FORMAT, "layer_norm_eps -1");
    expect_u32_error(H_EPS, 0, ALBERT_ERR_FORMAT, "layer_norm_eps 0");
}

static void test_file_errors(void **state)
{
    albert_model *model = NULL;
    albert_error err;
    (void)state;
    assert_int_equal(albert_model_load("data/does-not-exist.albert", &model, &err), ALBERT_ERR_IO);
    assert_null(model);
    assert_int_equal(err.code, ALBERT_ERR_IO);
    assert_true(err.message[0] != 0);
    assert_int_equal(albert_model_load("data", &model, &err), ALBERT_ERR_IO);   /* a folder */
    assert_null(model);
    assert_int_equal(albert_model_load_memory(good + 4, good_size - 4, &model, &err), ALBERT_ERR_ARGUMENT);   /* unaligned */
    assert_null(model);
}

/* ------------------------------------------------------------------------------------------------ inputs */

typedef struct input_fixture {
    albert_model *model;
    albert_context *ctx;      /* max_tokens 16 */
    albert_context *big;      /* max_tokens 512 */
    const albert_config *cfg;
} input_fixture;

static int input_setup(void **state)
{
    input_fixture *f = (input_fixture *)calloc(1, sizeof *f);
    albert_context_params cp = albert_context_default_params();
    albert_error err;
    if (!f || albert_model_load_memory(good, good_size, &f->model, &err) != ALBERT_OK) return -1;
    f->cfg = albert_model_config(f->model);
    cp.n_threads = 1;
    cp.max_tokens = 16;
    if (albert_context_create(f->model, &cp, &f->ctx) != ALBERT_OK) return -1;
    cp.max_tokens = 512;
    if (albert_context_create(f->model, &cp, &f->big) != ALBERT_OK) return -1;
    *state = f;
    return 0;
}

static int input_teardown(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    albert_context_free(f->ctx);
    albert_context_free(f->big);
    albert_model_free(f->model);
    free(f);
    return 0;
}

/* The output buffers of one call, all filled with SENTINEL. */
typedef struct sentinel_outputs {
    albert_outputs o;
    float *all;   /* one allocation behind every pointer of o */
    size_t n;
} sentinel_outputs;

/* Sizes the buffers for B x S tokens, B and S capped (at 4 and 2 x max positions + 2: the absurd sizes of the
   length tests must fail before anything is written, so the buffers need not be that large). */
static void sentinel_outputs_init(sentinel_outputs *s, const albert_config *c, int batch, int seq)
{
    size_t B = (size_t)(batch < 1 ? 1 : (batch > 4 ? 4 : batch));
    size_t S = (size_t)(seq < 1 ? 1 : (seq > 2 * c->max_position_embeddings + 2 ? 2 * c->max_position_embeddings + 2 : seq));
    size_t H = (size_t)c->hidden_size, i;
    size_t n_hidden = B * S * H, n_all = (size_t)(c->num_hidden_layers + 1) * B * S * H, n_pooled = B * H;
    size_t n_mlm = B * S * (size_t)c->vocab_size;
    s->n = n_hidden + n_all + n_pooled + n_mlm;
    s->all = (float *)malloc(s->n * sizeof(float));
    assert_non_null(s->all);
    for (i = 0; i < s->n; i++) s->all[i] = SENTINEL;
    memset(&s->o, 0, sizeof s->o);
    s->o.layer = -1;
    s->o.hidden = s->all;
    s->o.all_hidden = s->o.hidden + n_hidden;
    s->o.pooled = s->o.all_hidden + n_all;
    s->o.mlm_logits = c->has_mlm ? s->o.pooled + n_pooled : NULL;
    /* sop_logits and class_logits stay NULL: tiny's safetensors has neither head (test_missing_head asks for them) */
}

/* Every output buffer still holds only the sentinel; frees them. */
static void sentinel_outputs_check(sentinel_outputs *s, const char *what)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (s->all[i] != SENTINEL) fail_msg("%s: output float %lu was written", what, (unsigned long)i);
    free(s->all);
}

/* albert_encode_batch on (B, S, ids, mask, types) must fail with `expected`, write nothing and leave a message;
   then the context still works. */
static void expect_batch_error(albert_context *ctx, const albert_config *c, int B, int S, const int32_t *ids,
                               const int32_t *mask, const int32_t *types, int32_t layer, albert_result expected,
                               const char *what)
{
    albert_batch b;
    sentinel_outputs s;
    albert_result r;
    int32_t ok_ids[3] = {2, 10, 3};
    float ok_out[3 * 64];
    memset(&b, 0, sizeof b);
    b.batch_size = B;
    b.seq_len = S;
    b.input_ids = ids;
    b.attention_mask = mask;
    b.token_type_ids = types;
    sentinel_outputs_init(&s, c, B, S);
    s.o.layer = layer;
    r = albert_encode_batch(ctx, &b, &s.o);
    if (r != expected)
        fail_msg("%s: albert_encode_batch -> %s (%s), expected %s", what, albert_result_string(r),
                 albert_context_last_error(ctx), albert_result_string(expected));
    assert_true(albert_context_last_error(ctx)[0] != 0);
    sentinel_outputs_check(&s, what);
    assert_true(c->hidden_size <= 64);
    assert_int_equal(albert_encode(ctx, ok_ids, NULL, 3, -1, ok_out), ALBERT_OK);   /* still usable */
}

/* albert_encode on (n, ids, types) must fail with `expected` and not write out. */
static void expect_single_error(albert_context *ctx, const albert_config *c, const int32_t *ids, const int32_t *types,
                                int32_t n, int32_t layer, albert_result expected, const char *what)
{
    size_t count = (size_t)(n < 1 ? 1 : (n > 256 ? 256 : n)) * (size_t)c->hidden_size, i;   /* capped: see above */
    float *out = (float *)malloc(count * sizeof(float));
    albert_result r;
    assert_non_null(out);
    for (i = 0; i < count; i++) out[i] = SENTINEL;
    r = albert_encode(ctx, ids, types, n, layer, out);
    if (r != expected)
        fail_msg("%s: albert_encode -> %s (%s), expected %s", what, albert_result_string(r),
                 albert_context_last_error(ctx), albert_result_string(expected));
    for (i = 0; i < count; i++)
        if (out[i] != SENTINEL) fail_msg("%s: output float %lu was written", what, (unsigned long)i);
    free(out);
}

static void test_token_id_out_of_range(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    int32_t ids[2 * 5] = {2, 10, 11, 12, 3, 2, 20, 21, 22, 3};
    int32_t mask[2 * 5] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    int32_t V = f->cfg->vocab_size;
    ids[9] = V;   /* the very last token, in the padding: still checked, and before anything is written */
    expect_batch_error(f->ctx, f->cfg, 2, 5, ids, mask, NULL, -1, ALBERT_ERR_TOKEN_ID, "id = V in the padding");
    ids[9] = -1;
    expect_batch_error(f->ctx, f->cfg, 2, 5, ids, mask, NULL, -1, ALBERT_ERR_TOKEN_ID, "id -1");
    ids[9] = INT32_MIN;
    expect_batch_error(f->ctx, f->cfg, 2, 5, ids, NULL, NULL, -1, ALBERT_ERR_TOKEN_ID, "id INT32_MIN");
    ids[9] = 3;
    ids[0] = INT32_MAX;
    expect_batch_error(f->ctx, f->cfg, 2, 5, ids, NULL, NULL, -1, ALBERT_ERR_TOKEN_ID, "id INT32_MAX first");
    ids[0] = V;
    expect_single_error(f->ctx, f->cfg, ids, NULL, 5, -1, ALBERT_ERR_TOKEN_ID, "albert_encode id = V");
    ids[0] = -5;
    expect_single_error(f->ctx, f->cfg, ids, NULL, 5, -1, ALBERT_ERR_TOKEN_ID, "albert_encode id -5");
}

static void test_type_id_out_of_range(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    int32_t ids[2 * 4] = {2, 10, 11, 3, 2, 20, 21, 3};
    int32_t types[2 * 4] = {0, 0, 1, 1, 0, 0, 1, 1};
    types[7] = f->cfg->type_vocab_size;
    expect_batch_error(f->ctx, f->cfg, 2, 4, ids, NULL, types, -1, ALBERT_ERR_TYPE_ID, "type id = type_vocab_size");
    types[7] = -1;
    expect_batch_error(f->ctx, f->cfg, 2, 4, ids, NULL, types, -1, ALBERT_ERR_TYPE_ID, "type id -1");
    types[7] = 1;
    types[0] = 1000;
    expect_single_error(f->ctx, f->cfg, ids, types, 4, -1, ALBERT_ERR_TYPE_ID, "albert_encode type id 1000");
}

static void test_too_long(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    int32_t P = f->cfg->max_position_embeddings, i;
    int32_t *ids = (int32_t *)malloc(sizeof(int32_t) * 2 * ((size_t)P + 1));
    assert_non_null(ids);
    for (i = 0; i < 2 * (P + 1); i++) ids[i] = 5 + i % 50;
    /* longer than max_position_embeddings (the big context has room for the tokens) */
    expect_batch_error(f->big, f->cfg, 1, P + 1, ids, NULL, NULL, -1, ALBERT_ERR_TOO_LONG, "seq P + 1");
    expect_batch_error(f->big, f->cfg, 2, P + 1, ids, NULL, NULL, -1, ALBERT_ERR_TOO_LONG, "2 x (P + 1)");
    expect_single_error(f->big, f->cfg, ids, NULL, P + 1, -1, ALBERT_ERR_TOO_LONG, "albert_encode P + 1");
    expect_single_error(f->big, f->cfg, ids, NULL, INT32_MAX, -1, ALBERT_ERR_TOO_LONG, "albert_encode INT32_MAX");
    /* longer than the context's max_tokens (16) */
    expect_batch_error(f->ctx, f->cfg, 1, 17, ids, NULL, NULL, -1, ALBERT_ERR_TOO_LONG, "17 > max_tokens 16");
    expect_batch_error(f->ctx, f->cfg, 3, 6, ids, NULL, NULL, -1, ALBERT_ERR_TOO_LONG, "3 x 6 > max_tokens 16");
    expect_batch_error(f->ctx, f->cfg, 0x40000000, 4, ids, NULL, NULL, -1, ALBERT_ERR_TOO_LONG, "2^30 x 4 tokens");
    expect_single_error(f->ctx, f->cfg, ids, NULL, 17, -1, ALBERT_ERR_TOO_LONG, "albert_encode 17 > 16");
    free(ids);
}

static void test_empty_and_negative_lengths(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    int32_t ids[4] = {2, 10, 11, 3};
    expect_batch_error(f->ctx, f->cfg, 1, 0, ids, NULL, NULL, -1, ALBERT_ERR_EMPTY, "seq_len 0");
    expect_batch_error(f->ctx, f->cfg, 0, 4, ids, NULL, NULL, -1, ALBERT_ERR_EMPTY, "batch_size 0");
    expect_single_error(f->ctx, f->cfg, ids, NULL, 0, -1, ALBERT_ERR_EMPTY, "albert_encode 0 tokens");
    expect_batch_error(f->ctx, f->cfg, 1, -4, ids, NULL, NULL, -1, ALBERT_ERR_ARGUMENT, "seq_len -4");
    expect_batch_error(f->ctx, f->cfg, -1, 4, ids, NULL, NULL, -1, ALBERT_ERR_ARGUMENT, "batch_size -1");
    expect_single_error(f->ctx, f->cfg, ids, NULL, -1, -1, ALBERT_ERR_ARGUMENT, "albert_encode -1 tokens");
}

static void test_bad_layer(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    int32_t ids[4] = {2, 10, 11, 3}, L = f->cfg->num_hidden_layers;
    int32_t bad[4];
    int i;
    char what[64];
    bad[0] = L + 1;
    bad[1] = -(L + 2);
    bad[2] = INT32_MAX;
    bad[3] = INT32_MIN;
    for (i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "layer %ld", (long)bad[i]);
        expect_batch_error(f->ctx, f->cfg, 1, 4, ids, NULL, NULL, bad[i], ALBERT_ERR_LAYER, what);
        expect_single_error(f->ctx, f->cfg, ids, NULL, 4, bad[i], ALBERT_ERR_LAYER, what);
    }
}

static void test_missing_head(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    int32_t ids[4] = {2, 10, 11, 3};
    albert_batch b;
    sentinel_outputs s;
    float extra[8] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL};
    int i;
    assert_false(f->cfg->has_sop);          /* HF safetensors: no SOP head */
    assert_false(f->cfg->has_classifier);
    memset(&b, 0, sizeof b);
    b.batch_size = 1;
    b.seq_len = 4;
    b.input_ids = ids;
    b.attention_mask = NULL;
    b.token_type_ids = NULL;
    sentinel_outputs_init(&s, f->cfg, 1, 4);
    s.o.sop_logits = extra;
    assert_int_equal(albert_encode_batch(f->ctx, &b, &s.o), ALBERT_ERR_NO_HEAD);
    s.o.sop_logits = NULL;
    s.o.class_logits = extra;
    assert_int_equal(albert_encode_batch(f->ctx, &b, &s.o), ALBERT_ERR_NO_HEAD);
    for (i = 0; i < 8; i++) assert_true(extra[i] == SENTINEL);
    sentinel_outputs_check(&s, "missing head");
}

/* ------------------------------------------------------------------------------------------------ NULL arguments */

static void test_null_arguments(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    albert_model *model = (albert_model *)&model;   /* a non-NULL value the functions must replace */
    albert_context *ctx = NULL;
    albert_context_params cp = albert_context_default_params();
    albert_error err;
    albert_batch b;
    albert_outputs o;
    int32_t ids[4] = {2, 10, 11, 3};
    float out[4 * 64];
    int r;
    (void)tu_file_exists;   /* testutil.h's first helpers are plain static: unused ones would warn */

    /* model */
    assert_int_equal(albert_model_load(NULL, &model, &err), ALBERT_ERR_ARGUMENT);
    assert_null(model);
    assert_int_equal(err.code, ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_model_load(good_path, NULL, &err), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_model_load(NULL, NULL, NULL), ALBERT_ERR_ARGUMENT);
    model = (albert_model *)&model;
    assert_int_equal(albert_model_load_memory(NULL, good_size, &model, &err), ALBERT_ERR_ARGUMENT);
    assert_null(model);
    assert_int_equal(albert_model_load_memory(good, good_size, NULL, &err), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_model_load_memory(NULL, 0, NULL, NULL), ALBERT_ERR_ARGUMENT);
    albert_model_free(NULL);
    assert_null(albert_model_config(NULL));
    assert_null(albert_label_name(NULL, 0));
    assert_null(albert_label_name(f->model, 0));   /* no classifier */
    assert_null(albert_label_name(f->model, -1));
    for (r = -1; r <= ALBERT_ERR_CAPACITY + 1; r++) {
        const char *s = albert_result_string((albert_result)r);
        assert_non_null(s);
        assert_true(s[0] != 0);
    }

    /* context */
    assert_int_equal(albert_context_create(NULL, &cp, &ctx), ALBERT_ERR_ARGUMENT);
    assert_null(ctx);
    assert_int_equal(albert_context_create(f->model, &cp, NULL), ALBERT_ERR_ARGUMENT);
    cp.max_tokens = -1;
    assert_int_equal(albert_context_create(f->model, &cp, &ctx), ALBERT_ERR_ARGUMENT);
    assert_null(ctx);
    cp.max_tokens = 0;
    cp.n_threads = -1;
    assert_int_equal(albert_context_create(f->model, &cp, &ctx), ALBERT_ERR_ARGUMENT);
    assert_null(ctx);
    albert_context_free(NULL);
    assert_non_null(albert_context_last_error(NULL));

    /* forward pass */
    memset(&b, 0, sizeof b);
    memset(&o, 0, sizeof o);
    b.batch_size = 1;
    b.seq_len = 4;
    b.input_ids = ids;
    o.layer = -1;
    o.hidden = out;
    assert_int_equal(albert_encode(NULL, ids, NULL, 4, -1, out), ALBERT_ERR_ARGUMENT);
    expect_single_error(f->ctx, f->cfg, NULL, NULL, 4, -1, ALBERT_ERR_ARGUMENT, "albert_encode ids NULL");
    assert_int_equal(albert_encode(f->ctx, ids, NULL, 4, -1, NULL), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_batch(NULL, &b, &o), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_batch(f->ctx, NULL, &o), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_batch(f->ctx, &b, NULL), ALBERT_ERR_ARGUMENT);
    expect_batch_error(f->ctx, f->cfg, 1, 4, NULL, NULL, NULL, -1, ALBERT_ERR_ARGUMENT, "batch input_ids NULL");
    o.hidden = NULL;   /* no output asked for */
    assert_int_equal(albert_encode_batch(f->ctx, &b, &o), ALBERT_ERR_ARGUMENT);
}

/* The tokenizer functions: NULL arguments first, then "no tokenizer" (this blob has none). */
static void test_null_arguments_tokenizer(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    albert_tokens tokens;
    int32_t token_ids[8], length = 0;

    memset(&tokens, 0, sizeof tokens);
    tokens.ids = token_ids;
    tokens.capacity = 8;
    assert_int_equal(albert_tokenize(NULL, "a b", 3, NULL, 0, 0, &tokens), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_tokenize(f->model, "a b", 3, NULL, 0, 0, NULL), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_tokenize(f->model, NULL, 3, NULL, 0, 0, &tokens), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_tokenize(f->model, "a b", 3, NULL, 5, 0, &tokens), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_tokenize(f->model, "a b", 3, NULL, 0, 0, &tokens), ALBERT_ERR_NO_TOKENIZER);
    assert_int_equal(albert_sentencepiece_encode(NULL, "a b", 3, &tokens), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_sentencepiece_encode(f->model, NULL, 3, &tokens), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_sentencepiece_encode(f->model, "a b", 3, NULL), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_sentencepiece_encode(f->model, "a b", 3, &tokens), ALBERT_ERR_NO_TOKENIZER);
    tokens.ids = NULL;
    assert_int_equal(albert_tokenize(f->model, "a b", 3, NULL, 0, 0, &tokens), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_sentencepiece_encode(f->model, "a b", 3, &tokens), ALBERT_ERR_ARGUMENT);
    assert_null(albert_token_piece(NULL, 0, &length));
    assert_null(albert_token_piece(f->model, 0, &length));   /* no tokenizer */
    assert_null(albert_token_piece(f->model, -1, &length));
    assert_null(albert_token_piece(f->model, 0, NULL));
}

static void test_null_arguments_encode_text(void **state)
{
    input_fixture *f = (input_fixture *)*state;
    albert_tokens tokens;
    sentinel_outputs s;
    int32_t token_ids[8];
    memset(&tokens, 0, sizeof tokens);
    tokens.ids = token_ids;
    tokens.capacity = 8;
    sentinel_outputs_init(&s, f->cfg, 1, 8);
    assert_int_equal(albert_encode_text(NULL, "a b", 3, NULL, 0, &tokens, &s.o), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_text(f->ctx, NULL, 3, NULL, 0, &tokens, &s.o), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_text(f->ctx, "a b", 3, NULL, 0, NULL, &s.o), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_text(f->ctx, "a b", 3, NULL, 0, &tokens, NULL), ALBERT_ERR_ARGUMENT);
    assert_int_equal(albert_encode_text(f->ctx, "a b", 3, "c", 1, &tokens, &s.o), ALBERT_ERR_ARGUMENT); /* pair, no type_ids */
    assert_int_equal(albert_encode_text(f->ctx, "a b", 3, NULL, 0, &tokens, &s.o), ALBERT_ERR_NO_TOKENIZER);
    sentinel_outputs_check(&s, "albert_encode_text");
}

int main(void)
{
    const struct CMUnitTest file_tests[] = {
        cmocka_unit_test(test_good_blob_loads),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_wrong_magic),
        cmocka_unit_test(test_unknown_version),
        cmocka_unit_test(test_wrong_endian_marker),
        cmocka_unit_test(test_file_size_field),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_directory_outside_file),
        cmocka_unit_test(test_tensor_outside_file),
        cmocka_unit_test(test_tensor_misaligned),
        cmocka_unit_test(test_tensor_overlaps_header),
        cmocka_unit_test(test_tensor_entry_fields),
        cmocka_unit_test(test_tensor_missing),
        cmocka_unit_test(test_tensor_wrong_shape),
        cmocka_unit_test(test_absurd_config),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test_setup_teardown(test_token_id_out_of_range, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_type_id_out_of_range, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_too_long, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_negative_lengths, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_bad_layer, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_missing_head, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments_tokenizer, input_setup, input_teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments_encode_text, input_setup, input_teardown),
    };
    return cmocka_run_group_tests_name("bad_input", file_tests, group_setup, group_teardown);
}
