/* test_platform.c - what keeps a model file sound on every platform: the converter refuses a checkpoint whose
   weights are not finite (nothing written), albert_model_check (albert-cli check) finds a non-finite weight that
   a load does not read, and the model file is little-endian whatever the host (the header bytes and a tensor read
   back by hand). Run from tests/ (make test); the converter is $ALBERT_CONVERT or ../build/albert-convert. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "testutil.h"

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

/* The byte offset and size of tensor `name` in a model file, from its directory (read by hand, little-endian). */
static uint64_t find_tensor(const uint8_t *file, size_t size, const char *name, uint64_t *nbytes)
{
    uint64_t dir = get_u64(file + 24);
    uint32_t n = get_u32(file + 32), i;
    assert_true(dir + (uint64_t)n * 80 <= size);
    for (i = 0; i < n; i++) {
        const uint8_t *e = file + dir + (uint64_t)i * 80;
        if (strncmp((const char *)e, name, 32) == 0) {
            *nbytes = get_u64(e + 72);
            return get_u64(e + 64);
        }
    }
    fail_msg("tensor %s not in the file", name);
    return 0;
}

static char work_dir[] = "/tmp/albert-test-platform-XXXXXX";

static int make_work_dir(void **state)
{
    (void)state;
    return mkdtemp(work_dir) ? 0 : -1;
}
static int remove_work_dir(void **state)
{
    char command[512];
    (void)state;
    snprintf(command, sizeof command, "rm -rf '%s'", work_dir);
    return system(command) == 0 ? 0 : -1;
}

/* A copy of data/models/tiny/model.safetensors + config.json whose last weight (the last 4 bytes of the data
   section: predictions.dense.weight, f32) is `bits`: the conversion fails, names the tensor, writes nothing. */
static void expect_refused_weight(uint32_t bits, const char *what)
{
    char src[512], path[600], out[600];
    size_t size, config_size;
    uint8_t *weights = (uint8_t *)tu_read_file("data/models/tiny/model.safetensors", &size);
    char *config = (char *)tu_read_file("data/models/tiny/config.json", &config_size);
    assert_non_null(weights);
    assert_non_null(config);
    snprintf(src, sizeof src, "%s/bad-%s", work_dir, what);
    assert_int_equal(mkdir(src, 0755), 0);
    weights[size - 4] = (uint8_t)bits, weights[size - 3] = (uint8_t)(bits >> 8);
    weights[size - 2] = (uint8_t)(bits >> 16), weights[size - 1] = (uint8_t)(bits >> 24);
    snprintf(path, sizeof path, "%s/model.safetensors", src);
    assert_int_equal(tu_write_file(path, weights, size), 0);
    snprintf(path, sizeof path, "%s/config.json", src);
    assert_int_equal(tu_write_file(path, config, config_size), 0);
    snprintf(out, sizeof out, "%s/bad-%s.albert", work_dir, what);
    assert_int_not_equal(tu_convert(src, out), 0);
    assert_false(tu_file_exists(out));
    free(weights);
    free(config);
}

static void test_converter_refuses_non_finite_weights(void **state)
{
    (void)state;
    expect_refused_weight(0x7FC00000u, "nan");
    expect_refused_weight(0xFF800000u, "neginf");
    expect_refused_weight(0x7F800000u, "inf");
}

/* A good file passes albert_model_check; the same bytes with one LayerNorm weight set to +inf or NaN still load
   (the load does not read weights) but fail the check, which names the tensor. */
static void test_model_check(void **state)
{
    char out[600];
    size_t size;
    uint8_t *file, *copy;
    void *block;
    uint64_t offset, nbytes;
    albert_model *m = NULL;
    albert_error err;
    int k;
    (void)state;
    snprintf(out, sizeof out, "%s/tiny.albert", work_dir);
    assert_int_equal(tu_convert("data/models/tiny", out), 0);
    assert_int_equal(albert_model_load(out, &m, &err), ALBERT_OK);
    assert_int_equal(albert_model_check(m, &err), ALBERT_OK);
    albert_model_free(m);
    assert_int_equal(albert_model_check(NULL, &err), ALBERT_ERR_ARGUMENT);

    file = (uint8_t *)tu_read_file(out, &size);
    assert_non_null(file);
    block = malloc(size + 64);
    assert_non_null(block);
    copy = (uint8_t *)block + (64 - (uintptr_t)block % 64) % 64;
    offset = find_tensor(file, size, "emb.norm.w", &nbytes);
    assert_true(nbytes >= 12 && offset + nbytes <= size);
    for (k = 0; k < 2; k++) {
        static const uint8_t bad[2][4] = {{0x00, 0x00, 0x80, 0x7F}, {0x01, 0x00, 0xC0, 0xFF}}; /* +inf, NaN (LE) */
        memcpy(copy, file, size);
        memcpy(copy + offset + 8, bad[k], 4); /* element 2 */
        assert_int_equal(albert_model_load_memory(copy, size, &m, &err), ALBERT_OK);
        assert_int_equal(albert_model_check(m, &err), ALBERT_ERR_FORMAT);
        if (!strstr(err.message, "emb.norm.w") || !strstr(err.message, "element 2") ||
            !strstr(err.message, k == 0 ? "infinite" : "NaN"))
            fail_msg("unexpected message: %s", err.message);
        albert_model_free(m);
    }
    free(block);
    free(file);
}

/* The file is little-endian on every host: the header's endian marker bytes, and emb.norm.w read back by hand
   as little-endian floats equals what the loaded model computes with (checked through the check above) and is a
   plausible LayerNorm weight (finite, not all zero). On a big-endian host (make s390x) this also shows the
   converter byte-swapped on writing. */
static void test_file_is_little_endian(void **state)
{
    char out[600];
    size_t size;
    uint8_t *file;
    uint64_t offset, nbytes, i;
    double sum = 0.0;
    (void)state;
    snprintf(out, sizeof out, "%s/tiny-le.albert", work_dir);
    assert_int_equal(tu_convert("data/models/tiny", out), 0);
    file = (uint8_t *)tu_read_file(out, &size);
    assert_non_null(file);
    assert_memory_equal(file, "ALBERT.H", 8);
    assert_int_equal(file[12], 0x3D);
    assert_int_equal(file[13], 0x2C);
    assert_int_equal(file[14], 0x1B);
    assert_int_equal(file[15], 0x0A);
    assert_int_equal(get_u64(file + 16), size);
    offset = find_tensor(file, size, "emb.norm.w", &nbytes);
    for (i = 0; i < nbytes / 4; i++) {
        uint32_t bits = get_u32(file + offset + 4 * i);
        float v;
        memcpy(&v, &bits, 4);
        assert_true(isfinite(v) && fabsf(v) < 100.0f);
        sum += fabs((double)v);
    }
    assert_true(sum > 0.0);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converter_refuses_non_finite_weights),
        cmocka_unit_test(test_model_check),
        cmocka_unit_test(test_file_is_little_endian),
    };
    return cmocka_run_group_tests(tests, make_work_dir, remove_work_dir);
}
