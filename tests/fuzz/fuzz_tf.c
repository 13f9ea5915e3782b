/* fuzz_tf.c - libFuzzer harness for the converter's TensorFlow checkpoint reader (tools/ck_tf.c): the tensor
   bundle .index (a LevelDB-style table, with snappy-compressed blocks) and its data shard.

   Input layout: u32 little-endian n, then n bytes of .index, then the data file (n is clamped to what is there).
   Both parts are copied into buffers of their exact size and given to ck_open_tf_memory with one shard; every
   float tensor is read with ck_read_f32 (kernels come back transposed, as strides), and every name goes through
   ck_tf_to_hf_name; ck_tf_is_brightmart runs on the file. Seeds: tests/fuzz/seeds.sh packs real checkpoints.

   Build: see tests/fuzz/run.sh (compiled with tools/ck_*.c and the other converter sources). */
#include "tools/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ELEMENTS ((int64_t)1 << 24)

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_tf: broken promise: %s\n", what);
    abort();
}

static void read_every_tensor(const ck_file *f)
{
    char err[CK_ERR_LEN], hf_name[256], small_name[8];
    int i, transpose;
    if (f->n_tensors < 0 || (f->n_tensors > 0 && !f->tensors)) fuzz_fail("tensor list");
    (void)ck_tf_is_brightmart(f);
    for (i = 0; i < f->n_tensors; i++) {
        const ck_tensor *t = &f->tensors[i];
        int64_t numel = ck_numel(t);
        float *values;
        if (!t->name) fuzz_fail("tensor without a name");
        if (ck_find(f, t->name) == NULL) fuzz_fail("ck_find misses a listed tensor");
        if (t->ndim < 0 || t->ndim > CK_MAX_DIMS) fuzz_fail("ndim outside 0..CK_MAX_DIMS");
        if (ck_tf_to_hf_name(t->name, hf_name, sizeof hf_name, &transpose) == 0 && strlen(hf_name) >= sizeof hf_name)
            fuzz_fail("ck_tf_to_hf_name overflowed its buffer");
        (void)ck_tf_to_hf_name(t->name, small_name, sizeof small_name, NULL);   /* must not write past cap */
        if (t->dtype != CK_F32 && t->dtype != CK_F16 && t->dtype != CK_BF16 && t->dtype != CK_F64) continue;
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
    size_t index_size, data_size;
    uint8_t *index, *shard;
    const uint8_t *shards[1];
    size_t shard_sizes[1];

    if (size < 4) return 0;
    index_size = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
    if (index_size > size - 4) index_size = size - 4;
    data_size = size - 4 - index_size;
    index = (uint8_t *)malloc(index_size ? index_size : 1);
    shard = (uint8_t *)malloc(data_size ? data_size : 1);
    if (!index || !shard) { free(index); free(shard); return 0; }
    if (index_size) memcpy(index, data + 4, index_size);
    if (data_size) memcpy(shard, data + 4 + index_size, data_size);
    shards[0] = shard;
    shard_sizes[0] = data_size;
    err[0] = '\0';
    if (ck_open_tf_memory(index, index_size, shards, shard_sizes, 1, "fuzz.index", &f, err) == 0) {
        read_every_tensor(&f);
        ck_close(&f);
    } else if (err[0] == '\0') {
        fuzz_fail("ck_open_tf_memory failed without a message");
    }
    free(index);
    free(shard);
    return 0;
}
