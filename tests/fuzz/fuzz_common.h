/* fuzz_common.h - what the libFuzzer harnesses share: a failed promise aborts with the harness's name
   (define FUZZ_NAME before including), exact-size copies of the input (so ASan sees reads past the end), and the
   walk over a converter reader's tensors (ck_file) that every checkpoint harness does. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H
#ifndef FUZZ_NAME
#error "define FUZZ_NAME (the harness's name) before including fuzz_common.h"
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ELEMENTS ((int64_t)1 << 24)   /* larger tensors are listed but not read (memory) */

static inline void fuzz_fail(const char *what)
{
    fprintf(stderr, FUZZ_NAME ": broken promise: %s\n", what);
    abort();
}

/* A malloc'd copy of data[0..size) of exactly that size (at least 1 byte allocated); NULL when out of memory. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t *copy = (uint8_t *)malloc(size ? size : 1);
    if (copy && size) memcpy(copy, data, size);
    return copy;
}

#ifdef ALBERT_CONVERT_H
/* Checks the promises of a ck_file (tools/convert.h) and reads every tensor of at most FUZZ_MAX_ELEMENTS with
   ck_read_f32 (which checks shapes and strides against the bytes the reader validated). per_tensor (may be NULL)
   runs first on each tensor; float_only skips the tensors that are not f32/f16/bf16/f64; wrong_count also asks
   for numel + 1 values, which must be refused, not written. */
static inline void fuzz_read_every_tensor(const ck_file *f, void (*per_tensor)(const ck_file *f, const ck_tensor *t),
                                          int float_only, int wrong_count)
{
    char err[CK_ERR_LEN];
    int i;
    if (f->n_tensors < 0 || (f->n_tensors > 0 && !f->tensors)) fuzz_fail("tensor list");
    for (i = 0; i < f->n_tensors; i++) {
        const ck_tensor *t = &f->tensors[i];
        int64_t numel = ck_numel(t);
        float *values;
        if (!t->name) fuzz_fail("tensor without a name");
        if (ck_find(f, t->name) == NULL) fuzz_fail("ck_find misses a listed tensor");
        if (t->ndim < 0 || t->ndim > CK_MAX_DIMS) fuzz_fail("ndim outside 0..CK_MAX_DIMS");
        if (per_tensor) per_tensor(f, t);
        if (float_only && t->dtype != CK_F32 && t->dtype != CK_F16 && t->dtype != CK_BF16 && t->dtype != CK_F64)
            continue;
        if (numel < 0 || numel > FUZZ_MAX_ELEMENTS) continue;
        values = (float *)malloc(sizeof(float) * (size_t)(numel ? numel : 1));
        if (!values) continue;
        (void)ck_read_f32(f, t, values, numel, err);
        if (wrong_count) (void)ck_read_f32(f, t, values, numel + 1, err);
        free(values);
    }
}
#endif
#endif
