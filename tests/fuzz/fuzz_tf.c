/* fuzz_tf.c - libFuzzer harness for the converter's TensorFlow checkpoint reader (tools/ck_tf.c): the tensor
   bundle .index (a LevelDB-style table, with snappy-compressed blocks) and its data shard.

   Input layout: u32 little-endian n, then n bytes of .index, then the data file (n is clamped to what is there).
   Both parts are copied into buffers of their exact size and given to ck_open_tf_memory with one shard; every
   float tensor is read with ck_read_f32 (kernels come back transposed, as strides), and every name goes through
   ck_tf_to_hf_name; ck_tf_is_brightmart runs on the file. Seeds: tests/fuzz/seeds.sh packs real checkpoints.

   Build: see tests/fuzz/run.sh (compiled with tools/ck_*.c and the other converter sources). */
#define FUZZ_NAME "fuzz_tf"
#include "tools/convert.h"
#include "tests/fuzz/fuzz_common.h"

/* Every name goes through ck_tf_to_hf_name, with a normal and a too-small buffer. */
static void check_name(const ck_file *f, const ck_tensor *t)
{
    char hf_name[256], small_name[8];
    int transpose;
    (void)f;
    if (ck_tf_to_hf_name(t->name, hf_name, sizeof hf_name, &transpose) == 0 && strlen(hf_name) >= sizeof hf_name)
        fuzz_fail("ck_tf_to_hf_name overflowed its buffer");
    (void)ck_tf_to_hf_name(t->name, small_name, sizeof small_name, NULL);   /* must not write past cap */
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
    index = fuzz_copy(data + 4, index_size);
    shard = fuzz_copy(data + 4 + index_size, data_size);
    if (!index || !shard) { free(index); free(shard); return 0; }
    shards[0] = shard;
    shard_sizes[0] = data_size;
    err[0] = '\0';
    if (ck_open_tf_memory(index, index_size, shards, shard_sizes, 1, "fuzz.index", &f, err) == 0) {
        (void)ck_tf_is_brightmart(&f);
        fuzz_read_every_tensor(&f, check_name, 1, 0);
        ck_close(&f);
    } else if (err[0] == '\0') {
        fuzz_fail("ck_open_tf_memory failed without a message");
    }
    free(index);
    free(shard);
    return 0;
}
