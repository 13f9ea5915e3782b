/* fuzz_torch.c - libFuzzer harness for the converter's PyTorch reader (tools/ck_torch.c): torch.save files in the
   zip format (PyTorch >= 1.6) and the legacy pickle format, told apart by the reader itself.

   The input is the whole file, given to ck_open_torch_memory (the same reader ck_open_torch uses after mapping the
   file); every tensor it lists is then read with ck_read_f32, which checks shapes and strides (torch views) against
   the storage bytes the reader validated.

   Build: see tests/fuzz/run.sh (compiled with tools/ck_*.c and the other converter sources). */
#include "tools/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ELEMENTS ((int64_t)1 << 24)

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_torch: broken promise: %s\n", what);
    abort();
}

static void read_every_tensor(const ck_file *f)
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
        if (numel < 0 || numel > FUZZ_MAX_ELEMENTS) continue;
        values = (float *)malloc(sizeof(float) * (size_t)(numel ? numel : 1));
        if (!values) continue;
        (void)ck_read_f32(f, t, values, numel, err);
        free(values);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ck_file f;
    char err[CK_ERR_LEN];
    uint8_t *copy = (uint8_t *)malloc(size ? size : 1);   /* exact size, so ASan sees reads past the end */
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    err[0] = '\0';
    if (ck_open_torch_memory(copy, size, "fuzz.bin", &f, err) == 0) {
        read_every_tensor(&f);
        ck_close(&f);
    } else if (err[0] == '\0') {
        fuzz_fail("ck_open_torch_memory failed without a message");
    }
    free(copy);
    return 0;
}
