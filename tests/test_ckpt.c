/* test_ckpt.c - the checkpoint readers for torch.save files (tools/ck_torch.c) and TF tensor bundles
   (tools/ck_tf.c), plus the TF -> HF name map.

   Reference values come from outside our code: the golden models (data/models/<name>/, copied from
   ../shared/golden) hold the same weights as model.safetensors, pytorch_model.bin (zip), pytorch_model_legacy.bin
   and a Google TF checkpoint (tf/), so every reader must produce identical floats (TF after name mapping and
   transposition); the data/ckpt .pt files were written by torch.save from arange() definitions (make_torch_views.py),
   so the expected values are computed here from the same definitions; data/ckpt/saved_model_* are real
   TensorFlow-written checkpoints (tensorflow/serving testdata; half_plus_two: y = 0.5x + 2, values listed in
   data/ckpt/README.md). Corruption tests: truncations, byte flips (CRCs), hand-made bad pickles, bad snappy and
   random mutations must give an error (never a crash; run under -fsanitize=address,undefined).
   Run with tests/ as the working directory. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "../tools/ck_common.c"
#include "../tools/ck_os.c"
#include "../tools/json.c"
#include "../tools/ck_safetensors.c"
#include "../tools/ck_torch.c"
#include "../tools/ck_tf.c"

static const char *const golden_models[] = {"tiny", "groups", "relu"};
static const int golden_state_dict_keys[] = {32, 80, 32};   /* golden_info.json "state_dict_keys" */

/* ---------------------------------------------------------------- helpers */

/* All of a float tensor as contiguous float32 (malloc'd; at least one element allocated). */
static float *read_all(const ck_file *f, const ck_tensor *t)
{
    char err[CK_ERR_LEN];
    int64_t n = ck_numel(t);
    float *values;
    assert_true(n >= 0);
    values = (float *)malloc((size_t)(n ? n : 1) * sizeof(float));
    assert_non_null(values);
    if (ck_read_f32(f, t, values, n, err) != 0) fail_msg("%s", err);
    return values;
}

static void open_torch_or_fail(const char *path, ck_file *f)
{
    char err[CK_ERR_LEN];
    if (ck_open_torch(path, f, err) != 0) fail_msg("%s", err);
}

static void open_tf_or_fail(const char *path, ck_file *f)
{
    char err[CK_ERR_LEN];
    if (ck_open_tf(path, f, err) != 0) fail_msg("%s", err);
}

static const ck_tensor *find_or_fail(const ck_file *f, const char *name)
{
    const ck_tensor *t = ck_find(f, name);
    if (!t) fail_msg("%s: tensor %s missing", f->path, name);
    return t;
}

/* Same shape and bit-identical float values. */
static void assert_same_tensor(const ck_file *fa, const ck_tensor *a, const ck_file *fb, const ck_tensor *b)
{
    float *va, *vb;
    int i;
    int64_t n = ck_numel(a);
    if (a->ndim != b->ndim) fail_msg("%s: ndim %d vs %d", a->name, a->ndim, b->ndim);
    for (i = 0; i < a->ndim; i++)
        if (a->dims[i] != b->dims[i]) fail_msg("%s: dim %d is %lld vs %lld", a->name, i, (long long)a->dims[i], (long long)b->dims[i]);
    va = read_all(fa, a);
    vb = read_all(fb, b);
    if (n && memcmp(va, vb, (size_t)n * sizeof(float)) != 0) fail_msg("%s (%s) and %s (%s) differ", a->name, fa->path, b->name, fb->path);
    free(va);
    free(vb);
}

/* Opening from memory must either fail with a message, or give tensors whose float data can all be read. */
static int open_mutant(int is_tf, const uint8_t *bytes, size_t size, const uint8_t *data, size_t data_size)
{
    ck_file f;
    char err[CK_ERR_LEN];
    int rc, i;
    const uint8_t *shards[1];
    size_t shard_sizes[1];
    err[0] = 0;
    shards[0] = data;
    shard_sizes[0] = data_size;
    rc = is_tf ? ck_open_tf_memory(bytes, size, shards, shard_sizes, 1, "mutant", &f, err)
               : ck_open_torch_memory(bytes, size, "mutant", &f, err);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_true(strlen(err) > 0);
        assert_null(f.tensors);
        return -1;
    }
    for (i = 0; i < f.n_tensors; i++) {
        const ck_tensor *t = &f.tensors[i];
        if (t->dtype == CK_F32 || t->dtype == CK_F16 || t->dtype == CK_BF16 || t->dtype == CK_F64) free(read_all(&f, t));
    }
    ck_close(&f);
    return 0;
}

static uint8_t *load(const char *path, size_t *size)
{
    uint8_t *bytes = (uint8_t *)tu_read_file(path, size);
    if (!bytes) fail_msg("cannot read %s", path);
    return bytes;
}

static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Recomputes the CRC-32 of every stored entry of a classic (non-zip64) zip in place, so that edits of an
   entry's bytes reach the parsers behind the CRC check. Bounds-checked: damaged directories are left alone. */
static void zip_fix_crcs(uint8_t *zip, size_t size)
{
    size_t eocd, pos, end;
    unsigned n, i;
    if (size < 22 || torch_u32(zip + size - 22) != 0x06054b50u) return;
    eocd = size - 22;
    n = torch_u16(zip + eocd + 10);
    pos = torch_u32(zip + eocd + 16);
    end = pos + torch_u32(zip + eocd + 12);
    if (pos > size || end > size || end < pos) return;
    for (i = 0; i < n; i++) {
        size_t local, data, entry_size, name_len, extra_len, comment_len;
        if (pos > end || end - pos < 46 || torch_u32(zip + pos) != 0x02014b50u) return;
        name_len = torch_u16(zip + pos + 28);
        extra_len = torch_u16(zip + pos + 30);
        comment_len = torch_u16(zip + pos + 32);
        entry_size = torch_u32(zip + pos + 24);
        local = torch_u32(zip + pos + 42);
        if (local > size || size - local < 30) return;
        data = local + 30 + torch_u16(zip + local + 26) + torch_u16(zip + local + 28);
        if (data <= size && entry_size <= size - data) {
            uint32_t crc = torch_crc32(zip + data, entry_size);
            zip[pos + 16] = (uint8_t)crc;
            zip[pos + 17] = (uint8_t)(crc >> 8);
            zip[pos + 18] = (uint8_t)(crc >> 16);
            zip[pos + 19] = (uint8_t)(crc >> 24);
        }
        pos += 46 + name_len + extra_len + comment_len;
    }
}

/* ---------------------------------------------------------------- golden models: every format agrees */

static void test_torch_golden_formats_agree(void **state)
{
    size_t m;
    (void)state;
    for (m = 0; m < sizeof golden_models / sizeof golden_models[0]; m++) {
        char path[256];
        ck_file st, zip, legacy;
        char err[CK_ERR_LEN];
        int i;
        snprintf(path, sizeof path, "data/models/%s/pytorch_model.bin", golden_models[m]);
        open_torch_or_fail(path, &zip);
        snprintf(path, sizeof path, "data/models/%s/pytorch_model_legacy.bin", golden_models[m]);
        open_torch_or_fail(path, &legacy);
        snprintf(path, sizeof path, "data/models/%s/model.safetensors", golden_models[m]);
        if (ck_open_safetensors(path, &st, err) != 0) fail_msg("%s", err);
        assert_int_equal(zip.n_tensors, golden_state_dict_keys[m]);
        assert_int_equal(legacy.n_tensors, golden_state_dict_keys[m]);
        for (i = 0; i < zip.n_tensors; i++) {
            assert_int_equal(zip.tensors[i].dtype, CK_F32);
            assert_same_tensor(&zip, &zip.tensors[i], &legacy, find_or_fail(&legacy, zip.tensors[i].name));
        }
        for (i = 0; i < st.n_tensors; i++)
            assert_same_tensor(&st, &st.tensors[i], &zip, find_or_fail(&zip, st.tensors[i].name));
        /* tied weights: two names, one storage */
        assert_ptr_equal(find_or_fail(&zip, "predictions.decoder.weight")->data,
                         find_or_fail(&zip, "albert.embeddings.word_embeddings.weight")->data);
        assert_ptr_equal(find_or_fail(&legacy, "predictions.decoder.bias")->data, find_or_fail(&legacy, "predictions.bias")->data);
        ck_close(&st);
        ck_close(&zip);
        ck_close(&legacy);
    }
}

static void test_tf_golden_matches_safetensors(void **state)
{
    static const char *const tf_models[] = {"tiny", "relu"};
    size_t m;
    (void)state;
    for (m = 0; m < 2; m++) {
        char path[256], hf[256];
        ck_file st, tf;
        char err[CK_ERR_LEN];
        int i, mapped = 0, skipped = 0, sop = 0, transposed = 0, rc, transpose;
        snprintf(path, sizeof path, "data/models/%s/tf/model.ckpt-best.index", tf_models[m]);
        open_tf_or_fail(path, &tf);
        snprintf(path, sizeof path, "data/models/%s/model.safetensors", tf_models[m]);
        if (ck_open_safetensors(path, &st, err) != 0) fail_msg("%s", err);
        assert_false(ck_tf_is_brightmart(&tf));
        for (i = 0; i < tf.n_tensors; i++) {
            const ck_tensor *t = &tf.tensors[i];
            rc = ck_tf_to_hf_name(t->name, hf, sizeof hf, &transpose);
            if (rc == 1) { skipped++; continue; }
            if (rc != 0) fail_msg("%s: TF name %s not mapped", path, t->name);
            mapped++;
            transposed += transpose;
            if (strncmp(hf, "sop_classifier.", 15) == 0) {   /* the SOP head is not in the MLM safetensors */
                sop++;
                assert_int_equal(t->ndim, strcmp(hf, "sop_classifier.classifier.weight") == 0 ? 2 : 1);
                assert_int_equal(t->dims[0], 2);
                continue;
            }
            assert_same_tensor(&tf, t, &st, find_or_fail(&st, hf));
        }
        assert_int_equal(sop, 2);
        assert_int_equal(mapped - sop, st.n_tensors);    /* every HF tensor comes from exactly one TF variable */
        assert_int_equal(transposed, 9);                 /* mapping_in, q, k, v, attn out, ffn, ffn out, pooler, mlm dense */
        assert_true(skipped >= 3);                       /* global_step + adam slots */
        assert_non_null(ck_find(&tf, "global_step"));
        ck_close(&st);
        ck_close(&tf);
    }
}

/* ---------------------------------------------------------------- torch: views, dtypes, module dicts */

static void check_views(const char *path)
{
    ck_file f;
    const ck_tensor *t;
    float *v;
    int i, j;
    open_torch_or_fail(path, &f);
    assert_int_equal(f.n_tensors, 11);
    t = find_or_fail(&f, "offset");                  /* arange(24)[4:10] */
    v = read_all(&f, t);
    for (i = 0; i < 6; i++) assert_true(v[i] == (float)(4 + i));
    free(v);
    t = find_or_fail(&f, "transposed");              /* arange(24).view(4,6).t(): [6,4], v[i][j] = 6j + i */
    assert_int_equal(t->dims[0], 6);
    assert_int_equal(t->dims[1], 4);
    v = read_all(&f, t);
    for (i = 0; i < 6; i++)
        for (j = 0; j < 4; j++) assert_true(v[i * 4 + j] == (float)(6 * j + i));
    free(v);
    t = find_or_fail(&f, "strided");                 /* view(4,6)[1:3, ::2]: v[i][j] = 6(i+1) + 2j */
    v = read_all(&f, t);
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++) assert_true(v[i * 3 + j] == (float)(6 * (i + 1) + 2 * j));
    free(v);
    assert_ptr_equal(find_or_fail(&f, "alias")->data + 4 * 4, find_or_fail(&f, "offset")->data);  /* one storage */
    t = find_or_fail(&f, "expanded");                /* arange(3).view(3,1).expand(3,4): stride 0 */
    v = read_all(&f, t);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 4; j++) assert_true(v[i * 4 + j] == (float)i);
    free(v);
    t = find_or_fail(&f, "half");
    assert_int_equal(t->dtype, CK_F16);
    v = read_all(&f, t);
    for (i = 0; i < 6; i++) assert_true(v[i] == 0.5f * (float)i);
    free(v);
    t = find_or_fail(&f, "bf16");
    assert_int_equal(t->dtype, CK_BF16);
    v = read_all(&f, t);
    for (i = 0; i < 4; i++) assert_true(v[i] == (float)i - 1.5f);
    free(v);
    t = find_or_fail(&f, "double");
    assert_int_equal(t->dtype, CK_F64);
    v = read_all(&f, t);
    for (i = 0; i < 5; i++) assert_true(v[i] == (float)i / 4.0f);
    free(v);
    t = find_or_fail(&f, "long");
    assert_int_equal(t->dtype, CK_I64);
    assert_int_equal(t->nbytes, 24);
    assert_int_equal((int64_t)torch_u64(t->data), -1);
    assert_int_equal((int64_t)torch_u64(t->data + 16), 1);
    t = find_or_fail(&f, "scalar");
    assert_int_equal(t->ndim, 0);
    v = read_all(&f, t);
    assert_true(v[0] == 7.25f);
    free(v);
    t = find_or_fail(&f, "empty");
    assert_int_equal(ck_numel(t), 0);
    assert_int_equal(t->nbytes, 0);
    ck_close(&f);
}

static void test_torch_views_zip(void **state) { (void)state; check_views("data/ckpt/views_zip.pt"); }
static void test_torch_views_zip_protocol4(void **state) { (void)state; check_views("data/ckpt/views_zip_proto4.pt"); }
static void test_torch_views_legacy(void **state) { (void)state; check_views("data/ckpt/views_legacy.pt"); }

static void test_torch_module_state_dict(void **state)
{
    static const char *const files[] = {"data/ckpt/module_zip.pt", "data/ckpt/module_legacy.pt", "data/ckpt/module_zip64.pt"};
    int k, i;
    (void)state;
    for (k = 0; k < 3; k++) {
        ck_file f;
        float *v;
        open_torch_or_fail(files[k], &f);
        assert_int_equal(f.n_tensors, 2);
        v = read_all(&f, find_or_fail(&f, "0.weight"));
        for (i = 0; i < 6; i++) assert_true(v[i] == (float)i);
        free(v);
        v = read_all(&f, find_or_fail(&f, "0.bias"));
        assert_true(v[0] == -1.0f && v[1] == 1.0f);
        free(v);
        ck_close(&f);
    }
}

static void test_torch_not_a_checkpoint(void **state)
{
    ck_file f;
    char err[CK_ERR_LEN];
    (void)state;
    assert_int_equal(ck_open_torch("data/ckpt/does-not-exist.bin", &f, err), -1);
    assert_non_null(strstr(err, "does-not-exist"));
    assert_int_equal(ck_open_torch("data/ckpt/README.md", &f, err), -1);
    assert_int_equal(tu_write_file("/tmp/test_ckpt_junk.bin", "\x80\x02N.", 4), 0);   /* a pickle, not a checkpoint */
    assert_int_equal(ck_open_torch("/tmp/test_ckpt_junk.bin", &f, err), -1);
    assert_non_null(strstr(err, "magic"));
    remove("/tmp/test_ckpt_junk.bin");
    assert_false(tu_file_exists("/tmp/test_ckpt_junk.bin"));
    assert_int_equal(ck_open_torch_memory((const uint8_t *)"PK\3\4", 4, "x", &f, err), -1);
    assert_non_null(strstr(err, "zip"));
}

/* ---------------------------------------------------------------- TF: real TensorFlow-written files */

static void expect_scalar(const ck_file *f, const char *name, float expected)
{
    const ck_tensor *t = find_or_fail(f, name);
    float *v;
    assert_int_equal(t->dtype, CK_F32);
    assert_int_equal(ck_numel(t), 1);
    v = read_all(f, t);
    if (v[0] != expected) fail_msg("%s: %s = %g, expected %g", f->path, name, (double)v[0], (double)expected);
    free(v);
}

static void test_tf_real_checkpoints(void **state)
{
    ck_file f;
    const ck_tensor *t;
    float *v;
    (void)state;
    /* snappy-compressed data block (2018) */
    open_tf_or_fail("data/ckpt/saved_model_half_plus_two_cpu/variables.index", &f);
    assert_int_equal(f.n_tensors, 5);
    expect_scalar(&f, "a", 0.5f);
    expect_scalar(&f, "a2", 0.5f);
    expect_scalar(&f, "b", 2.0f);
    expect_scalar(&f, "c", 3.0f);
    expect_scalar(&f, "c2", 3.0f);
    ck_close(&f);
    /* snappy + a string tensor (TF2, 2020) */
    open_tf_or_fail("data/ckpt/saved_model_half_plus_two_tf2_cpu/variables.index", &f);
    assert_int_equal(f.n_tensors, 4);
    expect_scalar(&f, "a/.ATTRIBUTES/VARIABLE_VALUE", 0.5f);
    expect_scalar(&f, "b/.ATTRIBUTES/VARIABLE_VALUE", 2.0f);
    expect_scalar(&f, "c/.ATTRIBUTES/VARIABLE_VALUE", 3.0f);
    t = find_or_fail(&f, "_CHECKPOINTABLE_OBJECT_GRAPH");
    assert_int_equal(t->dtype, CK_STRING);
    assert_null(t->data);
    ck_close(&f);
    /* uncompressed */
    open_tf_or_fail("data/ckpt/saved_model_half_plus_three/variables.index", &f);
    assert_int_equal(f.n_tensors, 3);
    expect_scalar(&f, "a", 0.5f);
    expect_scalar(&f, "b", 3.0f);
    ck_close(&f);
    open_tf_or_fail("data/ckpt/saved_model_counter/variables.index", &f);
    assert_int_equal(f.n_tensors, 1);
    expect_scalar(&f, "counter", 0.0f);
    ck_close(&f);
    /* 4-D kernels (not transposed: only 2-D kernels are) and 1-D biases */
    open_tf_or_fail("data/ckpt/saved_model_half_plus_two_mkl/variables.index", &f);
    assert_int_equal(f.n_tensors, 9);
    t = find_or_fail(&f, "conv2d_1/kernel");
    assert_int_equal(t->ndim, 4);
    v = read_all(&f, t);
    assert_true(v[0] == -1.0451120138168335f);
    free(v);
    t = find_or_fail(&f, "conv2d_2/kernel");
    v = read_all(&f, t);
    assert_true(v[0] == 1.577943205833435f);
    free(v);
    expect_scalar(&f, "b", 2.0f);
    ck_close(&f);
    /* only a string tensor */
    open_tf_or_fail("data/ckpt/tf_text_regression/variables.index", &f);
    assert_int_equal(f.n_tensors, 1);
    assert_int_equal(f.tensors[0].dtype, CK_STRING);
    ck_close(&f);
}

static void test_tf_not_a_checkpoint(void **state)
{
    ck_file f;
    char err[CK_ERR_LEN];
    (void)state;
    assert_int_equal(ck_open_tf("data/ckpt/saved_model_counter/variables.data-00000-of-00001", &f, err), -1);
    assert_non_null(strstr(err, ".index"));
    assert_int_equal(ck_open_tf("data/ckpt/nothing.index", &f, err), -1);
    assert_int_equal(ck_open_tf("data/ckpt/README.md.index", &f, err), -1);
}

/* ---------------------------------------------------------------- TF -> HF names */

static void test_tf_name_map(void **state)
{
    static const char *const pairs[][3] = {   /* TF name, HF name, transposed? */
        {"bert/embeddings/word_embeddings", "albert.embeddings.word_embeddings.weight", "0"},
        {"bert/embeddings/position_embeddings", "albert.embeddings.position_embeddings.weight", "0"},
        {"bert/embeddings/token_type_embeddings", "albert.embeddings.token_type_embeddings.weight", "0"},
        {"bert/embeddings/LayerNorm/gamma", "albert.embeddings.LayerNorm.weight", "0"},
        {"bert/embeddings/LayerNorm/beta", "albert.embeddings.LayerNorm.bias", "0"},
        {"bert/encoder/embedding_hidden_mapping_in/kernel", "albert.encoder.embedding_hidden_mapping_in.weight", "1"},
        {"bert/encoder/embedding_hidden_mapping_in/bias", "albert.encoder.embedding_hidden_mapping_in.bias", "0"},
        {"bert/encoder/transformer/group_0/inner_group_0/attention_1/self/query/kernel",
         "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight", "1"},
        {"bert/encoder/transformer/group_1/inner_group_1/attention_1/self/value/bias",
         "albert.encoder.albert_layer_groups.1.albert_layers.1.attention.value.bias", "0"},
        {"bert/encoder/transformer/group_0/inner_group_0/attention_1/output/dense/kernel",
         "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.weight", "1"},
        {"bert/encoder/transformer/group_0/inner_group_0/LayerNorm/gamma",
         "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.weight", "0"},
        {"bert/encoder/transformer/group_0/inner_group_0/LayerNorm_1/beta",
         "albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.bias", "0"},
        {"bert/encoder/transformer/group_0/inner_group_0/ffn_1/intermediate/dense/kernel",
         "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight", "1"},
        {"bert/encoder/transformer/group_0/inner_group_0/ffn_1/intermediate/output/dense/kernel",
         "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output.weight", "1"},
        {"bert/encoder/transformer/group_12/inner_group_3/ffn_1/intermediate/output/dense/bias",
         "albert.encoder.albert_layer_groups.12.albert_layers.3.ffn_output.bias", "0"},
        {"bert/pooler/dense/kernel", "albert.pooler.weight", "1"},
        {"bert/pooler/dense/bias", "albert.pooler.bias", "0"},
        {"cls/predictions/transform/dense/kernel", "predictions.dense.weight", "1"},
        {"cls/predictions/transform/LayerNorm/gamma", "predictions.LayerNorm.weight", "0"},
        {"cls/predictions/output_bias", "predictions.bias", "0"},
        {"cls/seq_relationship/output_weights", "sop_classifier.classifier.weight", "0"},
        {"cls/seq_relationship/output_bias", "sop_classifier.classifier.bias", "0"},
        {"output_weights", "classifier.weight", "0"},
        {"output_bias", "classifier.bias", "0"},
        {"module/bert/embeddings/word_embeddings", "albert.embeddings.word_embeddings.weight", "0"},
        {"module/bert/pooler/dense/kernel", "albert.pooler.weight", "1"},
    };
    static const char *const skipped[] = {
        "global_step", "bert/pooler/dense/kernel/adam_m", "bert/embeddings/word_embeddings/adam_v",
        "bert/pooler/dense/kernel/Adam", "bert/pooler/dense/kernel/Adam_1", "beta1_power",
        "_CHECKPOINTABLE_OBJECT_GRAPH", "AdamWeightDecayOptimizer/bert/pooler/dense/kernel",
    };
    static const char *const unknown[] = {
        "bert/embeddings/word_embeddings_2", "bert/encoder/layer_shared/attention/self/query/kernel",
        "cls/squad/output_weights", "something/else", "", "bert/encoder/transformer/group_x/inner_group_0/ffn_1/intermediate/dense/kernel",
    };
    char hf[256], small[8];
    int transpose;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (ck_tf_to_hf_name(pairs[i][0], hf, sizeof hf, &transpose) != 0) fail_msg("%s not mapped", pairs[i][0]);
        assert_string_equal(hf, pairs[i][1]);
        assert_int_equal(transpose, pairs[i][2][0] == '1');
    }
    for (i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (ck_tf_to_hf_name(skipped[i], hf, sizeof hf, &transpose) != 1) fail_msg("%s not skipped", skipped[i]);
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        if (ck_tf_to_hf_name(unknown[i], hf, sizeof hf, NULL) != -1) fail_msg("%s should be unknown", unknown[i]);
    assert_int_equal(ck_tf_to_hf_name("bert/pooler/dense/bias", small, sizeof small, NULL), -1);   /* does not fit */
}

static void test_tf_brightmart_detected(void **state)
{
    ck_tensor tensors[2];
    ck_file f;
    (void)state;
    memset(tensors, 0, sizeof tensors);
    memset(&f, 0, sizeof f);
    tensors[0].name = (char *)"bert/embeddings/word_embeddings";
    tensors[1].name = (char *)"bert/embeddings/word_embeddings_2";
    f.tensors = tensors;
    f.n_tensors = 2;
    assert_true(ck_tf_is_brightmart(&f));
    tensors[1].name = (char *)"bert/encoder/layer_shared/output/dense/kernel";
    assert_true(ck_tf_is_brightmart(&f));
    f.n_tensors = 1;
    assert_false(ck_tf_is_brightmart(&f));
}

/* ---------------------------------------------------------------- TF: snappy, varints, corruption */

static void test_tf_snappy(void **state)
{
    /* literal "ab" + 1-byte-offset copy (len 6, offset 2, overlapping) = "abababab" */
    static const uint8_t good[] = {0x08, 0x04, 'a', 'b', 0x09, 0x02};
    /* 2-byte-offset copy (len 3, offset 3) after literal "xyz" = "xyzxyz" */
    static const uint8_t good2[] = {0x06, 0x08, 'x', 'y', 'z', 0x0a, 0x03, 0x00};
    static const struct { const char *bytes; size_t len; } bad[] = {
        {"\x08\x04" "ab\x09\x03", 6},         /* copy offset 3 > 2 bytes produced */
        {"\x08\x04" "ab\x09\x00", 6},         /* offset 0 */
        {"\x09\x04" "ab\x09\x02", 6},         /* declared 9 bytes, produces 8 */
        {"\x07\x04" "ab\x09\x02", 6},         /* declared 7, copy overflows */
        {"\x08\x0c" "ab", 4},                 /* literal of 4 runs past the input */
        {"\x08\xf0" "\xff", 3},               /* literal with 1 length byte, past the input */
        {"\x08\x04" "ab\x09", 5},             /* copy tag without its offset byte */
        {"\x08\x04" "ab\x0b\x02\x00\x00", 8}, /* 4-byte-offset copy truncated */
        {"\xff\xff\xff\xff\xff\xff", 6},      /* bad length varint */
        {"\xff\xff\xff\x7f", 4},              /* length far beyond what 3 bytes can produce */
        {"", 0},
    };
    uint8_t *out;
    size_t out_size, i;
    char err[CK_ERR_LEN];
    (void)state;
    assert_int_equal(tf_snappy_decompress(good, sizeof good, &out, &out_size, "t", err), 0);
    assert_int_equal(out_size, 8);
    assert_memory_equal(out, "abababab", 8);
    free(out);
    assert_int_equal(tf_snappy_decompress(good2, sizeof good2, &out, &out_size, "t", err), 0);
    assert_int_equal(out_size, 6);
    assert_memory_equal(out, "xyzxyz", 6);
    free(out);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tf_snappy_decompress((const uint8_t *)bad[i].bytes, bad[i].len, &out, &out_size, "t", err) != -1)
            fail_msg("bad snappy input %u accepted", (unsigned)i);
        assert_null(out);
    }
}

static void test_tf_varint(void **state)
{
    static const uint8_t too_long[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t max64[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t overflow[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    size_t pos = 0;
    uint64_t v;
    (void)state;
    assert_int_equal(tf_varint(too_long, sizeof too_long, &pos, &v), -1);
    pos = 0;
    assert_int_equal(tf_varint(max64, sizeof max64, &pos, &v), 0);
    assert_true(v == UINT64_MAX);
    pos = 0;
    assert_int_equal(tf_varint(overflow, sizeof overflow, &pos, &v), -1);
    pos = 0;
    assert_int_equal(tf_varint(max64, 5, &pos, &v), -1);   /* truncated */
}

/* BundleEntryProto / header fields with the wrong wire type or bad values are refused with a message. */
static void test_tf_bad_protos(void **state)
{
    static const struct { const char *bytes; size_t len; const char *message; } entries[] = {
        {"\x10\x05", 2, "bad field"},                    /* shape (field 2) as a varint */
        {"\x08\x01\x12\x04\x12\x02\x08", 7, "bad"},       /* dim message cut short */
        {"\x12\x08\x12\x02\x08\x7f" "\x12\x02\x08\x01", 10, NULL}, /* fine: shape [127, 1] */
        {"\x12\x02\x18\x01", 4, "unknown rank"},
        {"\x0d\x01\x02\x03\x04", 5, "bad field"},         /* dtype as fixed32 */
        {"\x08", 1, "bad"},                                 /* truncated varint */
        {"\x1a\x01\x01", 3, "bad field"},                  /* shard_id as bytes */
        {"\x22\x00", 2, "bad field"},                      /* offset as bytes */
        {"\x0f", 1, "bad"},                                 /* wire type 7 */
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        tf_index ix;
        tf_entry e;
        char err[CK_ERR_LEN], name[] = "v";
        int rc;
        memset(&ix, 0, sizeof ix);
        memset(&e, 0, sizeof e);
        ix.path = "index";
        ix.err = err;
        e.name = name;
        err[0] = 0;
        rc = tf_parse_entry(&ix, &e, (const uint8_t *)entries[i].bytes, entries[i].len);
        if (!entries[i].message) {
            assert_int_equal(rc, 0);
            assert_int_equal(e.ndim, 2);
            assert_int_equal(e.dims[0], 127);
            continue;
        }
        if (rc != -1 || !strstr(err, entries[i].message)) fail_msg("entry %u: rc %d, '%s'", (unsigned)i, rc, err);
    }
    {
        tf_index ix;
        char err[CK_ERR_LEN];
        memset(&ix, 0, sizeof ix);
        ix.path = "index";
        ix.err = err;
        assert_int_equal(tf_parse_header(&ix, (const uint8_t *)"\x08\x01\x10\x01", 4), -1);   /* big-endian */
        assert_non_null(strstr(err, "big-endian"));
        assert_int_equal(tf_parse_header(&ix, (const uint8_t *)"\x08\x00", 2), -1);              /* 0 shards */
        assert_int_equal(tf_parse_header(&ix, (const uint8_t *)"\x08\x01\x1a\x02\x10\x05", 6), -1); /* min_consumer 5 */
        assert_non_null(strstr(err, "newer"));
        assert_int_equal(tf_parse_header(&ix, (const uint8_t *)"\x08\x01\x1a\x02\x08\x01", 6), 0);
    }
}

/* Every truncation and every single-byte change inside the index blocks must be refused (CRC, bounds). */
static void check_tf_index_corruption(const char *index_path, const char *data_path)
{
    size_t size, data_size, cut, i;
    uint8_t *index = load(index_path, &size), *data = load(data_path, &data_size), *copy;
    int refused = 0;
    assert_int_equal(open_mutant(1, index, size, data, data_size), 0);
    for (cut = 0; cut < size; cut++) assert_int_equal(open_mutant(1, index, cut, data, data_size), -1);
    copy = (uint8_t *)malloc(size);
    assert_non_null(copy);
    for (i = 0; i < size; i++) {
        static const uint8_t flips[] = {0x01, 0x80, 0xff};
        size_t k;
        for (k = 0; k < 3; k++) {
            int rc;
            memcpy(copy, index, size);
            copy[i] ^= flips[k];
            rc = open_mutant(1, copy, size, data, data_size);
            /* bytes of blocks and trailers (before the footer) and the magic are all checked */
            if (i < size - 48 || i >= size - 8) {
                if (rc != -1) fail_msg("%s: flip 0x%02x at byte %u not detected", index_path, flips[k], (unsigned)i);
            }
            refused += rc != 0;
        }
    }
    assert_true(refused >= 3 * (int)(size - 40));
    /* data file: truncated, or one value changed (tensor CRC) */
    assert_int_equal(open_mutant(1, index, size, data, data_size - 1), -1);
    memcpy(copy, index, size);
    for (i = 0; i < data_size; i += 97) {
        uint8_t *changed = (uint8_t *)malloc(data_size);
        assert_non_null(changed);
        memcpy(changed, data, data_size);
        changed[i] ^= 0x10;
        assert_int_equal(open_mutant(1, index, size, changed, data_size), -1);
        free(changed);
    }
    free(copy);
    free(index);
    free(data);
}

static void test_tf_corrupt_index_snappy(void **state)
{
    (void)state;
    check_tf_index_corruption("data/models/relu/tf/model.ckpt-best.index", "data/models/relu/tf/model.ckpt-best.data-00000-of-00001");
    check_tf_index_corruption("data/ckpt/saved_model_half_plus_two_tf2_cpu/variables.index",
                              "data/ckpt/saved_model_half_plus_two_tf2_cpu/variables.data-00000-of-00001");
}

static void test_tf_corrupt_index_plain(void **state)
{
    (void)state;
    check_tf_index_corruption("data/models/tiny/tf/model.ckpt-best.index", "data/models/tiny/tf/model.ckpt-best.data-00000-of-00001");
    check_tf_index_corruption("data/ckpt/saved_model_half_plus_two_mkl/variables.index",
                              "data/ckpt/saved_model_half_plus_two_mkl/variables.data-00000-of-00001");
}

static void test_tf_wrong_shard_count(void **state)
{
    size_t size, data_size;
    uint8_t *index = load("data/ckpt/saved_model_counter/variables.index", &size);
    uint8_t *data = load("data/ckpt/saved_model_counter/variables.data-00000-of-00001", &data_size);
    const uint8_t *shards[2];
    size_t sizes[2];
    ck_file f;
    char err[CK_ERR_LEN];
    (void)state;
    shards[0] = shards[1] = data;
    sizes[0] = sizes[1] = data_size;
    assert_int_equal(ck_open_tf_memory(index, size, shards, sizes, 2, "counter", &f, err), -1);
    assert_non_null(strstr(err, "shards"));
    assert_int_equal(ck_open_tf_memory(index, size, shards, sizes, 1, "counter", &f, err), 0);
    ck_close(&f);
    free(index);
    free(data);
}

/* ---------------------------------------------------------------- torch: corruption */

static void check_torch_truncations(const char *path, size_t step)
{
    size_t size, cut;
    uint8_t *bytes = load(path, &size);
    assert_int_equal(open_mutant(0, bytes, size, NULL, 0), 0);
    for (cut = 0; cut < size; cut += (cut + 300 >= size ? 1 : step)) {
        if (open_mutant(0, bytes, cut, NULL, 0) != -1) fail_msg("%s cut at %u accepted", path, (unsigned)cut);
    }
    free(bytes);
}

static void test_torch_truncated(void **state)
{
    (void)state;
    check_torch_truncations("data/ckpt/views_zip.pt", 1);
    check_torch_truncations("data/ckpt/views_legacy.pt", 1);
    check_torch_truncations("data/ckpt/module_legacy.pt", 1);
    check_torch_truncations("data/ckpt/module_zip64.pt", 1);
    check_torch_truncations("data/models/tiny/pytorch_model.bin", 7);
    check_torch_truncations("data/models/tiny/pytorch_model_legacy.bin", 7);
}

/* Flips every byte of the zip's central directory and end record, and every byte of views_legacy.pt. */
static void test_torch_byte_flips(void **state)
{
    size_t size, i, k, cd_start;
    uint8_t *bytes = load("data/ckpt/views_zip.pt", &size), *copy = (uint8_t *)malloc(size);
    static const uint8_t flips[] = {0x01, 0x40, 0xff};
    (void)state;
    assert_non_null(copy);
    cd_start = torch_u32(bytes + size - 22 + 16);
    assert_true(cd_start < size);
    for (i = cd_start; i < size; i++)
        for (k = 0; k < 3; k++) {
            memcpy(copy, bytes, size);
            copy[i] ^= flips[k];
            open_mutant(0, copy, size, NULL, 0);
        }
    free(copy);
    free(bytes);
    bytes = load("data/ckpt/views_legacy.pt", &size);
    copy = (uint8_t *)malloc(size);
    assert_non_null(copy);
    for (i = 0; i < size; i++)
        for (k = 0; k < 3; k++) {
            memcpy(copy, bytes, size);
            copy[i] ^= flips[k];
            open_mutant(0, copy, size, NULL, 0);
        }
    free(copy);
    free(bytes);
}

/* Specific zip damage: compressed entries, a central directory pointing outside the file, bad signatures. */
static void test_torch_bad_zip(void **state)
{
    size_t size, cd_start, pos;
    uint8_t *bytes = load("data/ckpt/module_zip.pt", &size), *copy = (uint8_t *)malloc(size);
    ck_file f;
    char err[CK_ERR_LEN];
    (void)state;
    assert_non_null(copy);
    cd_start = torch_u32(bytes + size - 22 + 16);
    /* every central directory entry marked deflated (method 8) */
    memcpy(copy, bytes, size);
    for (pos = cd_start; pos + 46 <= size && torch_u32(copy + pos) == 0x02014b50u;
         pos += 46 + torch_u16(copy + pos + 28) + torch_u16(copy + pos + 30) + torch_u16(copy + pos + 32))
        copy[pos + 10] = 8;
    assert_int_equal(ck_open_torch_memory(copy, size, "deflated", &f, err), -1);
    assert_non_null(strstr(err, "compressed"));
    /* one byte of a tensor changed: the entry's CRC-32 catches it */
    memcpy(copy, bytes, size);
    for (pos = 0; pos + 2 <= size && !(torch_u32(copy + pos) == 0x04034b50u && memcmp(copy + pos + 30, "module_zip/data/0", 17) == 0); pos++) {}
    assert_true(pos + 2 < size);
    pos += 30 + torch_u16(copy + pos + 26) + torch_u16(copy + pos + 28);
    copy[pos] ^= 0x01;
    assert_int_equal(ck_open_torch_memory(copy, size, "crc", &f, err), -1);
    assert_non_null(strstr(err, "CRC"));
    zip_fix_crcs(copy, size);
    assert_int_equal(ck_open_torch_memory(copy, size, "crc", &f, err), 0);   /* same edit with the CRC updated */
    ck_close(&f);
    /* central directory offset past the end */
    memcpy(copy, bytes, size);
    copy[size - 22 + 19] = 0x7f;
    assert_int_equal(ck_open_torch_memory(copy, size, "cd", &f, err), -1);
    assert_non_null(strstr(err, "central directory"));
    /* end record signature destroyed */
    memcpy(copy, bytes, size);
    copy[size - 22] = 'X';
    assert_int_equal(ck_open_torch_memory(copy, size, "eocd", &f, err), -1);
    /* entry count larger than the directory */
    memcpy(copy, bytes, size);
    copy[size - 22 + 10] = 0xfe;
    copy[size - 22 + 8] = 0xfe;
    assert_int_equal(ck_open_torch_memory(copy, size, "count", &f, err), -1);
    free(copy);
    free(bytes);
}

/* Edits one byte of the state-dict pickle in place (zip entries are stored, so sizes stay valid). */
static void expect_pickle_edit_refused(const char *path, const uint8_t *pattern, size_t pattern_len, size_t at,
                                       uint8_t value, const char *message)
{
    size_t size, i;
    uint8_t *bytes = load(path, &size);
    ck_file f;
    char err[CK_ERR_LEN];
    for (i = 0; i + pattern_len <= size; i++)
        if (memcmp(bytes + i, pattern, pattern_len) == 0) break;
    if (i + pattern_len > size) fail_msg("%s: pattern not found", path);
    bytes[i + at] = value;
    zip_fix_crcs(bytes, size);
    assert_int_equal(ck_open_torch_memory(bytes, size, path, &f, err), -1);
    if (!strstr(err, message)) fail_msg("%s: got '%s', expected '%s'", path, err, message);
    free(bytes);
}

static void test_torch_storage_out_of_range(void **state)
{
    /* "offset": BINPERSID, BININT1 4 (storage offset) -> 250 */
    static const uint8_t offset4[] = {'Q', 'K', 4};
    /* first tensor of the tiny model: size (100, 16) -> (101, 16) */
    static const uint8_t size100[] = {'K', 0, 'K', 100, 'K', 16};
    (void)state;
    expect_pickle_edit_refused("data/ckpt/views_zip.pt", offset4, 3, 2, 250, "reaches past its storage");
    expect_pickle_edit_refused("data/ckpt/views_legacy.pt", offset4, 3, 2, 250, "reaches past its storage");
    expect_pickle_edit_refused("data/models/tiny/pytorch_model.bin", size100, 6, 3, 101, "reaches past its storage");
    expect_pickle_edit_refused("data/models/tiny/pytorch_model_legacy.bin", size100, 6, 3, 101, "reaches past its storage");
}

static void test_torch_bad_pickles(void **state)
{
#define PICKLE(text) text, sizeof(text) - 1
    /* (string pieces are split after hex escapes so that a following hex digit is not swallowed) */
    static const struct { const char *bytes; size_t len; const char *message; } cases[] = {
        {PICKLE("\x80\x02t."), "MARK missing"},
        {PICKLE("\x80\x02R."), "underflow"},
        {PICKLE("\x80\x02."), "underflow"},
        {PICKLE("\x80\x02(."), "underflow"},
        {PICKLE("\x80\x02N(R."), "underflow"},
        {PICKLE("\x80\x02}K\x01s."), "underflow"},
        {PICKLE("\x80\x02]K\x01K\x02u."), "MARK missing"},
        {PICKLE("\x80\x02(K\x01u."), "underflow"},
        {PICKLE("\x80\x02" "cos\nsystem\nX\x02\x00\x00\x00ls\x85R."), "refused"},
        {PICKLE("\x80\x02" "c__builtin__\neval\n)R."), "refused"},
        {PICKLE("\x80\x02ios\nsystem\n."), "not supported"},
        {PICKLE("\x80\x02h\x05."), "empty"},
        {PICKLE("\x80\x02Nr\xff\xff\xff\x7f."), "too large"},
        {PICKLE("\x80\x02X\xff\xff\xff\x00" "ab."), "past the end"},
        {PICKLE("\x80\x09N."), "protocol"},
        {PICKLE("\x80\x02NQ."), "persistent id"},
        {PICKLE("\x80\x02(X\x07\x00\x00\x00storage" "ccollections\nOrderedDict\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x01tQ."),
         "storage type"},
        {PICKLE("\x80\x02J\x01\x00"), "truncated"},
        {PICKLE("\x80\x02" "cos\nsyst"), "truncated"},
        {PICKLE("\x80\x02N\x93."), "underflow"},
        {PICKLE("\x80\x02NN\x93."), "non-strings"},
        {PICKLE("\x80\x02}N\x81."), "unsupported class"},
        {PICKLE("\x80\x02Nb."), "underflow"},
        {PICKLE("\x80\x02K\x01K\x02" "b."), "BUILD"},
        {PICKLE("\x80\x02"), "truncated"},
    };
#undef PICKLE
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        torch_pickle pk;
        size_t pos = 0;
        int result;
        char err[CK_ERR_LEN];
        memset(&pk, 0, sizeof pk);
        pk.path = "pickle";
        pk.err = err;
        err[0] = 0;
        if (torch_run_pickle(&pk, (const uint8_t *)cases[i].bytes, cases[i].len, &pos, &result) != -1)
            fail_msg("bad pickle %u accepted", (unsigned)i);
        if (!strstr(err, cases[i].message)) fail_msg("bad pickle %u: got '%s', expected '%s'", (unsigned)i, err, cases[i].message);
        torch_pickle_free(&pk);
    }
}

/* ---------------------------------------------------------------- random mutations */

static void mutate_many(int is_tf, const char *path, const char *data_path, int rounds, uint32_t seed)
{
    size_t size, data_size = 0;
    uint8_t *bytes = load(path, &size), *data = data_path ? load(data_path, &data_size) : NULL;
    uint8_t *copy = (uint8_t *)malloc(size);
    int r, opened = 0;
    assert_non_null(copy);
    for (r = 0; r < rounds; r++) {
        int n = 1 + (int)(lcg_next(&seed) % 4), k;
        memcpy(copy, bytes, size);
        for (k = 0; k < n; k++) copy[lcg_next(&seed) % size] = (uint8_t)lcg_next(&seed);
        if (!is_tf && (r & 1)) zip_fix_crcs(copy, size);   /* half of the zip mutants get past the CRC check */
        opened += open_mutant(is_tf, copy, size, data, data_size) == 0;
    }
    (void)opened;
    free(copy);
    free(bytes);
    free(data);
}

static void test_random_mutations(void **state)
{
    (void)state;
    mutate_many(0, "data/ckpt/views_zip_proto4.pt", NULL, 3000, 1);
    mutate_many(0, "data/ckpt/views_legacy.pt", NULL, 3000, 2);
    mutate_many(0, "data/ckpt/module_zip.pt", NULL, 3000, 3);
    mutate_many(0, "data/ckpt/module_zip64.pt", NULL, 3000, 7);
    mutate_many(0, "data/models/relu/pytorch_model.bin", NULL, 500, 4);
    mutate_many(1, "data/models/relu/tf/model.ckpt-best.index", "data/models/relu/tf/model.ckpt-best.data-00000-of-00001", 3000, 5);
    mutate_many(1, "data/ckpt/saved_model_half_plus_two_cpu/variables.index",
                "data/ckpt/saved_model_half_plus_two_cpu/variables.data-00000-of-00001", 3000, 6);
}

/* The shared reader layer (ck_common.c): the cursor's bounds and sticky error, varints and protobuf fields, with
   the wire-format examples of the protobuf encoding guide (150 = 08 96 01; "testing" = 12 07 74 65 73 74 69 6e 67). */
static void test_cursor_and_protobuf(void **state)
{
    static const uint8_t le[] = {0x78, 0x56, 0x34, 0x12, 1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t msg[] = {0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',
                                  0x1d, 0x00, 0x00, 0x80, 0x3f, 0x21, 1, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t max64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t over64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    static const uint8_t truncated_len[] = {0x12, 0x05, 'a', 'b'};
    static const uint8_t group[] = {0x0b};
    ck_cursor c = ck_cursor_make(le, sizeof le);
    ck_pb_field f;
    (void)state;
    assert_int_equal(ck_cursor_u32(&c), 0x12345678u);
    assert_true(ck_cursor_u64(&c) == 0x0807060504030201ull);
    assert_int_equal(ck_cursor_left(&c), 0);
    assert_int_equal(c.failed, 0);
    assert_int_equal(ck_cursor_u32(&c), 0);            /* past the end: 0 and failed, and it stays so */
    assert_int_equal(c.failed, 1);
    assert_null(ck_cursor_take(&c, 0));

    c = ck_cursor_make(max64, sizeof max64);
    assert_true(ck_cursor_varint(&c) == UINT64_MAX);
    assert_int_equal(c.failed, 0);
    c = ck_cursor_make(over64, sizeof over64);
    (void)ck_cursor_varint(&c);
    assert_int_equal(c.failed, 1);
    c = ck_cursor_make(max64, 3);                        /* continuation bit on the last byte */
    (void)ck_cursor_varint(&c);
    assert_int_equal(c.failed, 1);

    c = ck_cursor_make(msg, sizeof msg);
    assert_int_equal(ck_pb_next(&c, &f), 1);
    assert_int_equal(f.number, 1);
    assert_int_equal(f.wire, 0);
    assert_true(f.value == 150);
    assert_int_equal(ck_pb_next(&c, &f), 1);
    assert_int_equal(f.number, 2);
    assert_int_equal(f.wire, 2);
    assert_int_equal(f.len, 7);
    assert_memory_equal(f.data, "testing", 7);
    assert_int_equal(ck_pb_next(&c, &f), 1);             /* fixed32 1.0f */
    assert_int_equal(f.number, 3);
    assert_int_equal(f.wire, 5);
    assert_true(f.value == 0x3f800000u);
    assert_int_equal(ck_pb_next(&c, &f), 1);             /* fixed64 1 */
    assert_int_equal(f.number, 4);
    assert_int_equal(f.wire, 1);
    assert_true(f.value == 1);
    assert_int_equal(ck_pb_next(&c, &f), 0);

    c = ck_cursor_make(truncated_len, sizeof truncated_len);
    assert_int_equal(ck_pb_next(&c, &f), -1);
    assert_int_equal(ck_pb_next(&c, &f), -1);            /* sticky */
    c = ck_cursor_make(group, sizeof group);
    assert_int_equal(ck_pb_next(&c, &f), -1);
}

/* The in-memory safetensors open lists the same tensors, with the same bytes, as the file open. */
static void test_safetensors_memory_open(void **state)
{
    ck_file a, b;
    char err[CK_ERR_LEN];
    size_t size;
    uint8_t *bytes = (uint8_t *)tu_read_file("data/models/tiny/model.safetensors", &size);
    int i;
    (void)state;
    assert_non_null(bytes);
    if (ck_open_safetensors("data/models/tiny/model.safetensors", &a, err) != 0) fail_msg("%s", err);
    if (ck_open_safetensors_memory(bytes, size, "tiny", &b, err) != 0) fail_msg("%s", err);
    assert_true(a.n_tensors > 10);
    assert_int_equal(a.n_tensors, b.n_tensors);
    for (i = 0; i < a.n_tensors; i++) {
        const ck_tensor *t = ck_find(&b, a.tensors[i].name);
        assert_non_null(t);
        assert_int_equal(t->nbytes, a.tensors[i].nbytes);
        assert_memory_equal(t->data, a.tensors[i].data, (size_t)t->nbytes);
    }
    ck_close(&a);
    ck_close(&b);
    assert_int_equal(ck_open_safetensors_memory(bytes, 7, "short", &b, err), -1);   /* no 8-byte length */
    assert_non_null(strstr(err, "short: not a safetensors file"));
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_and_protobuf),
        cmocka_unit_test(test_safetensors_memory_open),
        cmocka_unit_test(test_torch_golden_formats_agree),
        cmocka_unit_test(test_tf_golden_matches_safetensors),
        cmocka_unit_test(test_torch_views_zip),
        cmocka_unit_test(test_torch_views_zip_protocol4),
        cmocka_unit_test(test_torch_views_legacy),
        cmocka_unit_test(test_torch_module_state_dict),
        cmocka_unit_test(test_torch_not_a_checkpoint),
        cmocka_unit_test(test_tf_real_checkpoints),
        cmocka_unit_test(test_tf_not_a_checkpoint),
        cmocka_unit_test(test_tf_name_map),
        cmocka_unit_test(test_tf_brightmart_detected),
        cmocka_unit_test(test_tf_snappy),
        cmocka_unit_test(test_tf_varint),
        cmocka_unit_test(test_tf_bad_protos),
        cmocka_unit_test(test_tf_corrupt_index_snappy),
        cmocka_unit_test(test_tf_corrupt_index_plain),
        cmocka_unit_test(test_tf_wrong_shard_count),
        cmocka_unit_test(test_torch_truncated),
        cmocka_unit_test(test_torch_byte_flips),
        cmocka_unit_test(test_torch_bad_zip),
        cmocka_unit_test(test_torch_storage_out_of_range),
        cmocka_unit_test(test_torch_bad_pickles),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
