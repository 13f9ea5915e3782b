/* test_convert.c - tools/albert-convert end to end (run from tests/), plus unit tests of the converter's JSON
   parser and float conversion (tools/json.c, tools/ck_common.c are included directly).

   Conversions run ../build/albert-convert (or $ALBERT_CONVERT) on the golden models in data/models/<name>/ and on
   corrupted copies written to a fresh temporary folder. The resulting blob is parsed here, independently of the
   library, following the format spec in albert.h; expected values come from the golden config.json files and the
   safetensors bytes. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"
#include "../tools/json.c"
#include "../tools/ck_common.c"

/* ================================================================ helpers */

typedef struct workspace {
    char dir[64];        /* fresh temporary folder */
    char model[96];      /* dir/m: a model folder the test fills */
    char out[96];        /* dir/out.albert */
    char log[96];        /* dir/log.txt: the converter's stdout + stderr */
} workspace;

static void ws_init(workspace *ws)
{
    strcpy(ws->dir, "/tmp/albert-test-convert-XXXXXX");
    assert_non_null(mkdtemp(ws->dir));
    snprintf(ws->model, sizeof(ws->model), "%s/m", ws->dir);
    snprintf(ws->out, sizeof(ws->out), "%s/out.albert", ws->dir);
    snprintf(ws->log, sizeof(ws->log), "%s/log.txt", ws->dir);
    assert_int_equal(mkdir(ws->model, 0755), 0);
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (d) {
        while ((e = readdir(d)) != NULL) {
            char child[512];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
            remove_tree(child);
        }
        closedir(d);
        rmdir(path);
    } else {
        remove(path);
    }
}

static void ws_free(workspace *ws) { remove_tree(ws->dir); }

/* Runs the converter with the given arguments (shell words); returns its exit status. */
static int run_convert(const workspace *ws, const char *format, ...)
{
    const char *converter = getenv("ALBERT_CONVERT");
    char args[1024], command[2048];
    va_list ap;
    int status;
    if (!converter || !*converter) converter = "../build/albert-convert";
    va_start(ap, format);
    vsnprintf(args, sizeof(args), format, ap);
    va_end(ap);
    snprintf(command, sizeof(command), "'%s' %s >'%s' 2>&1", converter, args, ws->log);
    status = system(command);
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

static char *read_log(const workspace *ws)
{
    char *log = (char *)tu_read_file(ws->log, NULL);
    assert_non_null(log);
    return log;
}

static void copy_file(const char *from, const char *to)
{
    size_t size;
    char *data = (char *)tu_read_file(from, &size);
    assert_non_null(data);
    assert_int_equal(tu_write_file(to, data, size), 0);
    free(data);
}

static void path_in(char *out, size_t size, const char *folder, const char *name)
{
    snprintf(out, size, "%s/%s", folder, name);
}

/* Copies data/models/<name>/{config.json,model.safetensors} into the workspace's model folder. */
static void copy_model(const workspace *ws, const char *name)
{
    char from[256], to[256];
    snprintf(from, sizeof(from), "data/models/%s/config.json", name);
    path_in(to, sizeof(to), ws->model, "config.json");
    copy_file(from, to);
    snprintf(from, sizeof(from), "data/models/%s/model.safetensors", name);
    path_in(to, sizeof(to), ws->model, "model.safetensors");
    copy_file(from, to);
}

/* Replaces the first occurrence of `from` in the file by `to` (any lengths; for JSON files). */
static void edit_text_file(const char *path, const char *from, const char *to)
{
    size_t size;
    char *text = (char *)tu_read_file(path, &size), *hit, *edited;
    size_t a = strlen(from), b = strlen(to), at;
    assert_non_null(text);
    hit = strstr(text, from);
    assert_non_null(hit);
    at = (size_t)(hit - text);
    edited = (char *)malloc(size - a + b);
    memcpy(edited, text, at);
    memcpy(edited + at, to, b);
    memcpy(edited + at + b, hit + a, size - at - a);
    assert_int_equal(tu_write_file(path, edited, size - a + b), 0);
    free(text);
    free(edited);
}

/* ---- safetensors files, read the simple way (the golden headers are compact JSON from Python) */

typedef struct st_file {
    uint8_t *bytes;
    size_t size;
    uint64_t header_length;
} st_file;

static void st_load(st_file *f, const char *path)
{
    int i;
    f->bytes = (uint8_t *)tu_read_file(path, &f->size);
    assert_non_null(f->bytes);
    f->header_length = 0;
    for (i = 7; i >= 0; i--) f->header_length = f->header_length << 8 | f->bytes[i];
}

/* The data bytes of a tensor: finds "name": then its "data_offsets":[begin,end]. */
static const uint8_t *st_tensor(const st_file *f, const char *name, size_t *size)
{
    char key[256], *header = (char *)malloc(f->header_length + 1), *hit, *offsets;
    unsigned long long begin, end;
    memcpy(header, f->bytes + 8, f->header_length);
    header[f->header_length] = '\0';
    snprintf(key, sizeof(key), "\"%s\":", name);
    hit = strstr(header, key);
    assert_non_null(hit);
    offsets = strstr(hit, "\"data_offsets\":[");
    assert_non_null(offsets);
    assert_int_equal(sscanf(offsets + strlen("\"data_offsets\":["), "%llu,%llu", &begin, &end), 2);
    free(header);
    *size = (size_t)(end - begin);
    return f->bytes + 8 + f->header_length + begin;
}

/* Writes a safetensors file from a header text and data bytes. */
static void st_write(const char *path, const char *header, const void *data, size_t data_size)
{
    size_t n = strlen(header), i;
    uint8_t *bytes = (uint8_t *)malloc(8 + n + data_size + 1);
    for (i = 0; i < 8; i++) bytes[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(bytes + 8, header, n);
    if (data_size) memcpy(bytes + 8 + n, data, data_size);
    assert_int_equal(tu_write_file(path, bytes, 8 + n + data_size), 0);
    free(bytes);
}

/* Rewrites the workspace's model.safetensors with its header edited (replace first `from` by `to`). */
static void st_edit_header(const workspace *ws, const char *from, const char *to)
{
    char path[256], *header, *hit, *edited;
    st_file f;
    size_t a = strlen(from), b = strlen(to), at;
    path_in(path, sizeof(path), ws->model, "model.safetensors");
    st_load(&f, path);
    header = (char *)malloc(f.header_length + 1);
    memcpy(header, f.bytes + 8, f.header_length);
    header[f.header_length] = '\0';
    hit = strstr(header, from);
    assert_non_null(hit);
    at = (size_t)(hit - header);
    edited = (char *)malloc(f.header_length - a + b + 1);
    memcpy(edited, header, at);
    memcpy(edited + at, to, b);
    memcpy(edited + at + b, hit + a, f.header_length - at - a + 1);
    st_write(path, edited, f.bytes + 8 + f.header_length, f.size - 8 - f.header_length);
    free(header);
    free(edited);
    free(f.bytes);
}

/* ---- blob files, per the spec in albert.h */

typedef struct blob_entry_view {
    char name[33];
    uint32_t dtype, layout, ndim, dims[4];
    uint64_t offset, size;
} blob_entry_view;

typedef struct blob_view {
    uint8_t *bytes;
    size_t size;
    uint32_t n_entries;
    uint64_t directory_offset;
    blob_entry_view *entries;
} blob_view;

static uint32_t get_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }
static uint32_t header_u32(const blob_view *b, size_t offset) { return get_u32(b->bytes + offset); }

static void blob_load(blob_view *b, const char *path)
{
    static const uint64_t element_sizes[6] = {4, 2, 1, 1, 4, 4};   /* f32 f16 q8 u8 i32 u32 */
    uint32_t i, d;
    memset(b, 0, sizeof(*b));
    b->bytes = (uint8_t *)tu_read_file(path, &b->size);
    assert_non_null(b->bytes);
    assert_true(b->size >= 256);
    assert_memory_equal(b->bytes, "ALBERT.H", 8);
    assert_int_equal(header_u32(b, 8), 1);
    assert_int_equal(header_u32(b, 12), 0x0A1B2C3D);
    assert_int_equal(get_u64(b->bytes + 16), b->size);
    b->directory_offset = get_u64(b->bytes + 24);
    b->n_entries = header_u32(b, 32);
    assert_int_equal(header_u32(b, 36), 256);
    assert_true(header_u32(b, 132) <= 4);   /* head kind */
    assert_true(header_u32(b, 136) <= 3);   /* problem type */
    for (i = 140; i < 256; i++) assert_int_equal(b->bytes[i], 0);
    assert_int_equal(b->directory_offset % 8, 0);
    assert_true(b->directory_offset >= 256);
    assert_true(b->directory_offset + (uint64_t)b->n_entries * 80 <= b->size);
    b->entries = (blob_entry_view *)calloc(b->n_entries + 1, sizeof(blob_entry_view));
    for (i = 0; i < b->n_entries; i++) {
        const uint8_t *e = b->bytes + b->directory_offset + 80u * i;
        blob_entry_view *v = &b->entries[i];
        uint64_t expected;
        memcpy(v->name, e, 32);
        assert_non_null(memchr(e, 0, 32));
        v->dtype = get_u32(e + 32);
        v->layout = get_u32(e + 36);
        v->ndim = get_u32(e + 40);
        for (d = 0; d < 4; d++) v->dims[d] = get_u32(e + 44 + 4 * d);
        assert_int_equal(get_u32(e + 60), 0);
        v->offset = get_u64(e + 64);
        v->size = get_u64(e + 72);
        assert_int_equal(v->layout, 0);
        assert_true(v->ndim >= 1 && v->ndim <= 4);
        assert_int_equal(v->offset % 64, 0);
        assert_true(v->offset >= 256 && v->offset + v->size <= b->size);
        assert_true(v->dtype <= 5);
        expected = element_sizes[v->dtype];
        for (d = 0; d < v->ndim; d++) expected *= v->dims[d];
        for (d = v->ndim; d < 4; d++) assert_int_equal(v->dims[d], 0);
        assert_int_equal(v->size, expected);
    }
}

static void blob_free(blob_view *b)
{
    free(b->bytes);
    free(b->entries);
}

static const blob_entry_view *blob_find(const blob_view *b, const char *name)
{
    uint32_t i;
    for (i = 0; i < b->n_entries; i++) if (strcmp(b->entries[i].name, name) == 0) return &b->entries[i];
    return NULL;
}

static float header_f32(const blob_view *b, size_t offset)
{
    uint32_t bits = header_u32(b, offset);
    float value;
    memcpy(&value, &bits, sizeof(value));
    return value;
}

/* No file is left in the workspace folder but the ones listed (NULL-terminated). */
static void assert_only_files(const workspace *ws, ...)
{
    DIR *d = opendir(ws->dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        va_list ap;
        const char *allowed;
        int ok = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, "m") == 0;
        va_start(ap, ws);
        while (!ok && (allowed = va_arg(ap, const char *)) != NULL) ok = strcmp(e->d_name, allowed) == 0;
        va_end(ap);
        if (!ok) fail_msg("unexpected file left behind: %s/%s", ws->dir, e->d_name);
    }
    closedir(d);
}

/* A conversion that must fail: exit 1, `message` in the log, nothing at OUT, no temporary file. */
static void expect_failure(const workspace *ws, const char *src, const char *message)
{
    char *log;
    assert_int_equal(run_convert(ws, "'%s' '%s'", src, ws->out), 1);
    log = read_log(ws);
    if (!strstr(log, message)) fail_msg("expected \"%s\" in the converter's output:\n%s", message, log);
    assert_non_null(strstr(log, "error"));
    free(log);
    assert_false(tu_file_exists(ws->out));
    assert_only_files(ws, "log.txt", (const char *)NULL);
}

/* ================================================================ conversions of the golden models */

typedef struct golden_shape {
    const char *name;
    uint32_t V, E, H, L, heads, I, G, inner, P, T, act;
} golden_shape;

/* From ../shared/golden/README.md and each config.json; act: gelu_new -> 2 (GELU_TANH), gelu -> 1, relu -> 3. */
static const golden_shape golden[] = {
    {"tiny", 100, 16, 32, 3, 4, 37, 1, 1, 64, 2, 2},
    {"groups", 120, 24, 48, 4, 6, 64, 2, 2, 32, 3, 1},
    {"relu", 90, 8, 24, 2, 3, 30, 1, 1, 40, 2, 3},
};

static void check_tensor_bytes(const blob_view *b, const st_file *st, const char *blob_name, const char *hf_name,
                               uint32_t d0, uint32_t d1)
{
    const blob_entry_view *e = blob_find(b, blob_name);
    size_t size;
    const uint8_t *expected = st_tensor(st, hf_name, &size);
    if (!e) fail_msg("tensor %s missing from the blob", blob_name);
    assert_int_equal(e->dtype, 0);
    assert_int_equal(e->ndim, d1 ? 2 : 1);
    assert_int_equal(e->dims[0], d0);
    assert_int_equal(e->dims[1], d1);
    assert_int_equal(e->size, size);
    assert_memory_equal(b->bytes + e->offset, expected, size);
}

static void convert_golden(const golden_shape *g)
{
    workspace ws;
    blob_view b;
    st_file st;
    char src[128], name[64], hf[160];
    uint32_t expected_entries = 7 + 16 * g->G * g->inner + 2 + 5;   /* embeddings+proj, layers, pooler, MLM */
    char *log;

    ws_init(&ws);
    snprintf(src, sizeof(src), "data/models/%s", g->name);
    assert_int_equal(run_convert(&ws, "'%s' '%s'", src, ws.out), 0);
    log = read_log(&ws);
    assert_non_null(strstr(log, "wrote"));
    assert_null(strstr(log, "warning"));
    free(log);
    assert_only_files(&ws, "out.albert", "log.txt", (const char *)NULL);

    blob_load(&b, ws.out);
    assert_int_equal(header_u32(&b, 40), g->V);
    assert_int_equal(header_u32(&b, 44), g->E);
    assert_int_equal(header_u32(&b, 48), g->H);
    assert_int_equal(header_u32(&b, 52), g->L);
    assert_int_equal(header_u32(&b, 56), g->heads);
    assert_int_equal(header_u32(&b, 60), g->I);
    assert_int_equal(header_u32(&b, 64), g->G);
    assert_int_equal(header_u32(&b, 68), g->inner);
    assert_int_equal(header_u32(&b, 72), g->P);
    assert_int_equal(header_u32(&b, 76), g->T);
    assert_int_equal(header_u32(&b, 80), g->act);
    assert_true(header_f32(&b, 84) == 1e-12f);
    assert_int_equal(header_u32(&b, 88), 0);     /* no classifier */
    assert_int_equal(header_u32(&b, 92), 0);     /* no tokenizer in these folders */
    assert_int_equal((int32_t)header_u32(&b, 100), -1);
    assert_int_equal(b.n_entries, expected_entries);

    snprintf(src, sizeof(src), "data/models/%s/model.safetensors", g->name);
    st_load(&st, src);
    check_tensor_bytes(&b, &st, "emb.word", "albert.embeddings.word_embeddings.weight", g->V, g->E);
    check_tensor_bytes(&b, &st, "emb.pos", "albert.embeddings.position_embeddings.weight", g->P, g->E);
    check_tensor_bytes(&b, &st, "emb.type", "albert.embeddings.token_type_embeddings.weight", g->T, g->E);
    check_tensor_bytes(&b, &st, "emb.norm.b", "albert.embeddings.LayerNorm.bias", g->E, 0);
    check_tensor_bytes(&b, &st, "proj.w", "albert.encoder.embedding_hidden_mapping_in.weight", g->H, g->E);
    snprintf(name, sizeof(name), "g%u.l%u.ffn.w", g->G - 1, g->inner - 1);
    snprintf(hf, sizeof(hf), "albert.encoder.albert_layer_groups.%u.albert_layers.%u.ffn.weight", g->G - 1, g->inner - 1);
    check_tensor_bytes(&b, &st, name, hf, g->I, g->H);
    snprintf(name, sizeof(name), "g%u.l%u.ffn_out.w", g->G - 1, g->inner - 1);
    snprintf(hf, sizeof(hf), "albert.encoder.albert_layer_groups.%u.albert_layers.%u.ffn_output.weight", g->G - 1, g->inner - 1);
    check_tensor_bytes(&b, &st, name, hf, g->H, g->I);
    check_tensor_bytes(&b, &st, "g0.l0.k.b", "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.key.bias", g->H, 0);
    check_tensor_bytes(&b, &st, "g0.l0.o.w", "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.weight", g->H, g->H);
    check_tensor_bytes(&b, &st, "g0.l0.attn_norm.w", "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.weight", g->H, 0);
    check_tensor_bytes(&b, &st, "g0.l0.ffn_norm.b", "albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.bias", g->H, 0);
    check_tensor_bytes(&b, &st, "pooler.w", "albert.pooler.weight", g->H, g->H);
    check_tensor_bytes(&b, &st, "mlm.dense.w", "predictions.dense.weight", g->E, g->H);
    check_tensor_bytes(&b, &st, "mlm.norm.w", "predictions.LayerNorm.weight", g->E, 0);
    check_tensor_bytes(&b, &st, "mlm.bias", "predictions.bias", g->V, 0);
    assert_null(blob_find(&b, "sop.w"));
    assert_null(blob_find(&b, "cls.w"));
    free(st.bytes);
    blob_free(&b);
    ws_free(&ws);
}

static void test_convert_tiny(void **state) { (void)state; convert_golden(&golden[0]); }
static void test_convert_groups_with_tied_aliases(void **state) { (void)state; convert_golden(&golden[1]); }
static void test_convert_relu(void **state) { (void)state; convert_golden(&golden[2]); }

/* SRC as a file, with the config next to it; and a bare AlbertModel state dict (no "albert." prefix) gives
   the same bytes. */
static void test_file_source_and_unprefixed_names(void **state)
{
    workspace ws;
    char out2[128], src[160];
    size_t size1, size2;
    char *a, *b;
    (void)state;
    ws_init(&ws);
    copy_model(&ws, "tiny");
    path_in(src, sizeof(src), ws.model, "model.safetensors");
    assert_int_equal(run_convert(&ws, "-q '%s' '%s'", src, ws.out), 0);
    st_edit_header(&ws, "\"albert.embeddings.word_embeddings.weight\"", "\"embeddings.word_embeddings.weight\"");
    st_edit_header(&ws, "\"albert.pooler.weight\"", "\"pooler.weight\"");
    snprintf(out2, sizeof(out2), "%s/out2.albert", ws.dir);
    assert_int_equal(run_convert(&ws, "'%s' '%s'", ws.model, out2), 0);
    a = (char *)tu_read_file(ws.out, &size1);
    b = (char *)tu_read_file(out2, &size2);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(size1, size2);
    assert_memory_equal(a, b, size1);
    free(a);
    free(b);
    ws_free(&ws);
}

/* Unknown tensors are reported by name; known non-weights (position_ids) are skipped silently. */
static void test_unknown_tensor_warns(void **state)
{
    workspace ws;
    char *log;
    (void)state;
    ws_init(&ws);
    copy_model(&ws, "tiny");
    st_edit_header(&ws, "{", "{\"lm_head.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                             "\"albert.embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[0,8]},");
    assert_int_equal(run_convert(&ws, "'%s' '%s'", ws.model, ws.out), 0);
    log = read_log(&ws);
    assert_non_null(strstr(log, "not used: lm_head.weight"));
    assert_null(strstr(log, "position_ids"));
    free(log);
    ws_free(&ws);
}

/* A sequence-classification head: num_labels from the tensor, label names from id2label. */
static void test_classifier_head(void **state)
{
    workspace ws;
    blob_view b;
    char config[256];
    const blob_entry_view *labels, *w;
    static const char names[] = "NEG\0NEU\0POS";
    (void)state;
    ws_init(&ws);
    copy_model(&ws, "tiny");
    /* 3 x 32 floats = 384 bytes; overlapping other tensors' data is allowed */
    st_edit_header(&ws, "{", "{\"classifier.weight\":{\"dtype\":\"F32\",\"shape\":[3,32],\"data_offsets\":[0,384]},"
                             "\"classifier.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[384,396]},");
    path_in(config, sizeof(config), ws.model, "config.json");
    edit_text_file(config, "{", "{\"id2label\": {\"2\": \"POS\", \"0\": \"NEG\", \"1\": \"NEU\"},");
    assert_int_equal(run_convert(&ws, "'%s' '%s'", ws.model, ws.out), 0);
    blob_load(&b, ws.out);
    assert_int_equal(header_u32(&b, 88), 3);
    assert_int_equal(header_u32(&b, 132), 1);   /* no architectures with a classifier: sequence classification */
    w = blob_find(&b, "cls.w");
    assert_non_null(w);
    assert_int_equal(w->dims[0], 3);
    assert_int_equal(w->dims[1], 32);
    assert_non_null(blob_find(&b, "cls.b"));
    labels = blob_find(&b, "cls.labels");
    assert_non_null(labels);
    assert_int_equal(labels->dtype, 3);
    assert_int_equal(labels->size, sizeof(names));
    assert_memory_equal(b.bytes + labels->offset, names, sizeof(names));
    blob_free(&b);
    ws_free(&ws);
}

/* id2label disagreeing with the tensor is an error (HF's from_pretrained fails on it too); a classifier named by
   AlbertForTokenClassification is converted as a token classifier (header byte 132 = 2), with its labels. */
static void test_classifier_label_mismatch_and_token_classification(void **state)
{
    workspace ws;
    blob_view b;
    char config[256], *log;
    const blob_entry_view *labels;
    static const char names[] = "A\0B\0C";
    (void)state;
    ws_init(&ws);
    copy_model(&ws, "tiny");
    st_edit_header(&ws, "{", "{\"classifier.weight\":{\"dtype\":\"F32\",\"shape\":[3,32],\"data_offsets\":[0,384]},"
                             "\"classifier.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[384,396]},");
    path_in(config, sizeof(config), ws.model, "config.json");
    edit_text_file(config, "{", "{\"id2label\": {\"0\": \"A\", \"1\": \"B\"},");
    assert_int_not_equal(run_convert(&ws, "'%s' '%s'", ws.model, ws.out), 0);
    log = read_log(&ws);
    assert_non_null(strstr(log, "names 2 labels (id2label / num_labels) but classifier.weight has 3 rows"));
    free(log);
    assert_false(tu_file_exists(ws.out));

    edit_text_file(config, "\"1\": \"B\"", "\"1\": \"B\", \"2\": \"C\"");
    edit_text_file(config, "\"AlbertForMaskedLM\"", "\"AlbertForTokenClassification\"");
    assert_int_equal(run_convert(&ws, "'%s' '%s'", ws.model, ws.out), 0);
    blob_load(&b, ws.out);
    assert_int_equal(header_u32(&b, 88), 3);
    assert_int_equal(header_u32(&b, 132), 2);
    assert_non_null(blob_find(&b, "cls.w"));
    labels = blob_find(&b, "cls.labels");
    assert_non_null(labels);
    assert_int_equal(labels->size, sizeof(names));
    assert_memory_equal(b.bytes + labels->offset, names, sizeof(names));
    blob_free(&b);
    ws_free(&ws);
}

/* ================================================================ errors */

/* Each case: copy a model, break one thing with edit(ws, a, b), and the converter must fail with `message`. */
typedef struct error_case {
    const char *model;                                         /* data/models/<model> */
    void (*edit)(workspace *ws, const char *a, const char *b);
    const char *a, *b;                                         /* the edit's arguments */
    const char *message;                                       /* part of the converter's message */
} error_case;

static void edit_st_header(workspace *ws, const char *from, const char *to) { st_edit_header(ws, from, to); }

static void edit_config(workspace *ws, const char *from, const char *to)
{
    char path[256];
    path_in(path, sizeof(path), ws->model, "config.json");
    edit_text_file(path, from, to);
}

static void remove_config(workspace *ws, const char *a, const char *b)
{
    char path[256];
    (void)a; (void)b;
    path_in(path, sizeof(path), ws->model, "config.json");
    assert_int_equal(remove(path), 0);
}

/* model.safetensors replaced by one with this JSON header and 8 bytes of data. */
static void write_st_header(workspace *ws, const char *header, const char *b)
{
    char path[256];
    static const float data[2] = {1.0f, 2.0f};
    (void)b;
    path_in(path, sizeof(path), ws->model, "model.safetensors");
    st_write(path, header, data, sizeof(data));
}

/* The safetensors header length set to 2^31 - 1. */
static void break_header_length(workspace *ws, const char *a, const char *b)
{
    char path[256];
    st_file f;
    (void)a; (void)b;
    path_in(path, sizeof(path), ws->model, "model.safetensors");
    st_load(&f, path);
    f.bytes[0] = 0xFF; f.bytes[1] = 0xFF; f.bytes[2] = 0xFF; f.bytes[3] = 0x7F;
    assert_int_equal(tu_write_file(path, f.bytes, f.size), 0);
    free(f.bytes);
}

/* One bit of predictions.decoder.bias flipped: the decoder bias no longer equals the tied predictions.bias. */
static void untie_decoder(workspace *ws, const char *a, const char *b)
{
    char path[256];
    st_file f;
    size_t size;
    uint8_t *bias;
    (void)a; (void)b;
    path_in(path, sizeof(path), ws->model, "model.safetensors");
    st_load(&f, path);
    bias = (uint8_t *)st_tensor(&f, "predictions.decoder.bias", &size);
    bias[0] ^= 0x01;
    assert_int_equal(tu_write_file(path, f.bytes, f.size), 0);
    free(f.bytes);
}

static const error_case error_cases[] = {
    {"tiny", edit_st_header, "\"albert.embeddings.LayerNorm.bias\"", "\"albert.embeddings.LayerNorm.bias_renamed\"",
     "missing tensor embeddings.LayerNorm.bias"},
    {"tiny", edit_st_header, "\"albert.encoder.embedding_hidden_mapping_in.weight\":{\"dtype\":\"F32\",\"shape\":[32,16]",
     "\"albert.encoder.embedding_hidden_mapping_in.weight\":{\"dtype\":\"F32\",\"shape\":[16,32]",
     "embedding_hidden_mapping_in.weight has shape [16, 32], expected [32, 16]"},
    {"tiny", edit_st_header, "\"albert.pooler.bias\"", "\"albert.pooler.bias_renamed\"",
     "incomplete pooler head: pooler.bias is missing"},
    {"groups", untie_decoder, NULL, NULL, "predictions.decoder.bias differs from predictions.bias"},
    {"tiny", edit_st_header, "\"dtype\":\"F32\"", "\"dtype\" \"F32\"", "bad JSON"},
    {"tiny", break_header_length, NULL, NULL, "exceeds the file"},
    {"tiny", write_st_header, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}}", NULL,
     "outside the data section"},
    {"tiny", write_st_header, "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", NULL, "need 12"},
    {"tiny", write_st_header, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,8]}}",
     NULL, "2^40"},
    {"tiny", remove_config, NULL, NULL, "no config found"},
    {"tiny", edit_config, "\"gelu_new\"", "\"gelu_wobbly\"", "unknown hidden_act \"gelu_wobbly\""},
    {"tiny", edit_config, "\"num_attention_heads\": 4", "\"num_attention_heads\": 5",
     "num_attention_heads = 5 does not divide hidden_size = 32"},
    {"groups", edit_config, "\"num_hidden_groups\": 2", "\"num_hidden_groups\": 3",
     "num_hidden_groups = 3 does not divide num_hidden_layers = 4"},
    {"tiny", edit_config, "\"absolute\"", "\"relative_key\"", "position_embedding_type \"relative_key\" is not supported"},
};

static void test_conversion_errors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case *c = &error_cases[i];
        workspace ws;
        printf("# error case %d: %s\n", (int)i, c->message);
        ws_init(&ws);
        copy_model(&ws, c->model);
        c->edit(&ws, c->a, c->b);
        expect_failure(&ws, ws.model, c->message);
        ws_free(&ws);
    }
}

/* A failed conversion leaves an existing OUT exactly as it was. */
static void test_failure_keeps_existing_out(void **state)
{
    workspace ws;
    char path[256], *kept;
    size_t size;
    (void)state;
    ws_init(&ws);
    copy_model(&ws, "tiny");
    assert_int_equal(tu_write_file(ws.out, "previous model", 14), 0);
    path_in(path, sizeof(path), ws.model, "config.json");
    edit_text_file(path, "\"gelu_new\"", "\"nope\"");
    assert_int_equal(run_convert(&ws, "'%s' '%s'", ws.model, ws.out), 1);
    kept = (char *)tu_read_file(ws.out, &size);
    assert_non_null(kept);
    assert_int_equal(size, 14);
    assert_memory_equal(kept, "previous model", 14);
    free(kept);
    assert_only_files(&ws, "out.albert", "log.txt", (const char *)NULL);
    ws_free(&ws);
}

static void test_bad_command_lines(void **state)
{
    workspace ws;
    (void)state;
    ws_init(&ws);
    assert_int_equal(run_convert(&ws, "--help"), 0);
    assert_int_equal(run_convert(&ws, "data/models/tiny"), 2);
    assert_int_equal(run_convert(&ws, "--dtype q4 data/models/tiny '%s'", ws.out), 2);
    assert_int_equal(run_convert(&ws, "--format onnx data/models/tiny '%s'", ws.out), 2);
    assert_int_equal(run_convert(&ws, "--bogus data/models/tiny '%s'", ws.out), 2);
    assert_int_equal(run_convert(&ws, "--version"), 0);
    assert_int_equal(run_convert(&ws, "--dtype f16 --dtype f32 data/models/tiny '%s'", ws.out), 2);
    expect_failure(&ws, "data/models/does-not-exist", "no such file or folder");
    ws_free(&ws);
}

/* ================================================================ tokenizer files */

/* A 6-entry BERT vocab.txt (ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4). */
static void write_vocab(const char *folder, int extra_lines)
{
    char path[256];
    FILE *f;
    int i;
    path_in(path, sizeof(path), folder, "vocab.txt");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n", f);
    for (i = 0; i < extra_lines; i++) fprintf(f, "w%d\n", i);
    fclose(f);
}

/* --tokenizer-only: hidden_size 0, vocab_size from the tokenizer; tokenizer_config.json overrides the flags
   (BertTokenizer: strip_accents unset follows do_lower_case). */
static void test_tokenizer_only_with_tokenizer_config(void **state)
{
    workspace ws;
    blob_view b;
    char path[256];
    (void)state;
    ws_init(&ws);
    write_vocab(ws.model, 0);
    path_in(path, sizeof(path), ws.model, "tokenizer_config.json");
    assert_int_equal(tu_write_file(path, "{\"do_lower_case\": false, \"tokenize_chinese_chars\": true}", 56), 0);
    assert_int_equal(run_convert(&ws, "--tokenizer-only '%s' '%s'", ws.model, ws.out), 0);
    blob_load(&b, ws.out);
    assert_int_equal(header_u32(&b, 40), 6);                 /* vocab_size */
    assert_int_equal(header_u32(&b, 48), 0);                 /* hidden_size: tokenizer only */
    assert_int_equal(header_u32(&b, 92), 2);                 /* ALBERT_TOKENIZER_WORDPIECE */
    assert_int_equal(header_u32(&b, 96), 1u << 4);           /* CHINESE_CHARS only: no lower case, no accent stripping */
    assert_int_equal(header_u32(&b, 100), 0);                /* [PAD] */
    assert_int_equal(header_u32(&b, 104), 1);                /* [UNK] */
    assert_int_equal(header_u32(&b, 108), 2);                /* [CLS] */
    assert_int_equal(header_u32(&b, 112), 3);                /* [SEP] */
    assert_int_equal(header_u32(&b, 116), 4);                /* [MASK] */
    assert_null(blob_find(&b, "emb.word"));
    blob_free(&b);
    ws_free(&ws);
}

/* The tokenizer found next to the weights; a tokenizer larger than the model's vocabulary is refused. */
static void test_model_with_tokenizer(void **state)
{
    workspace ws;
    blob_view b;
    (void)state;
    ws_init(&ws);
    copy_model(&ws, "tiny");
    write_vocab(ws.model, 0);
    assert_int_equal(run_convert(&ws, "'%s' '%s'", ws.model, ws.out), 0);
    blob_load(&b, ws.out);
    assert_int_equal(header_u32(&b, 40), 100);               /* the model's vocab_size stays */
    assert_int_equal(header_u32(&b, 48), 32);
    assert_int_equal(header_u32(&b, 92), 2);
    assert_non_null(blob_find(&b, "emb.word"));
    blob_free(&b);
    assert_int_equal(remove(ws.out), 0);
    write_vocab(ws.model, 95);                               /* 101 entries > vocab_size 100 */
    expect_failure(&ws, ws.model, "the tokenizer has 101 entries but the model's vocab_size is only 100");
    assert_int_equal(run_convert(&ws, "--no-tokenizer '%s' '%s'", ws.model, ws.out), 0);
    blob_load(&b, ws.out);
    assert_int_equal(header_u32(&b, 92), 0);
    blob_free(&b);
    ws_free(&ws);
}

/* ================================================================ unit tests: JSON parser */

static void test_json_values(void **state)
{
    static const char text[] = " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"\\u00e9\\ud83d\\ude00\\n\\\"x\",\n"
                               " \"big\": 9223372036854775807, \"bigger\": 9223372036854775808, \"nul\": \"a\\u0000b\"} ";
    json_document doc;
    char err[256];
    const json_value *root, *a, *v;
    (void)state;
    assert_int_equal(json_parse(text, strlen(text), &doc, err, sizeof(err)), 0);
    root = json_root(&doc);
    assert_int_equal(root->type, JSON_OBJECT);
    assert_int_equal(root->count, 5);
    a = json_get(&doc, root, "a");
    assert_int_equal(a->count, 5);
    assert_true(json_at(&doc, a, 0)->is_integer && json_at(&doc, a, 0)->integer == 1);
    assert_false(json_at(&doc, a, 1)->is_integer);
    assert_true(json_at(&doc, a, 1)->number == -2500.0);
    assert_int_equal(json_at(&doc, a, 2)->type, JSON_TRUE);
    assert_int_equal(json_at(&doc, a, 3)->type, JSON_FALSE);
    assert_int_equal(json_at(&doc, a, 4)->type, JSON_NULL);
    assert_null(json_at(&doc, a, 5));
    v = json_get(&doc, root, "s");
    assert_int_equal(v->length, 2 + 4 + 3);
    assert_memory_equal(v->string, "\xC3\xA9\xF0\x9F\x98\x80\n\"x", 9);
    v = json_get(&doc, root, "big");
    assert_true(v->is_integer && v->integer == INT64_MAX);
    assert_false(json_get(&doc, root, "bigger")->is_integer);
    v = json_get(&doc, root, "nul");
    assert_int_equal(v->length, 3);
    assert_memory_equal(v->string, "a\0b", 3);
    assert_null(json_get(&doc, root, "missing"));
    json_free(&doc);
}

static void test_json_rejects_bad_input(void **state)
{
    static const char *const bad[] = {
        "", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "[1 2]", "01", "1.", "-", "1e", "\"abc", "\"\\x\"", "\"\\ud800\"",
        "\"\\udc00\"", "\"\x01\"", "\"\xC3\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "tru", "nul", "{} x", "{\"a\":1,}",
        "[\"\\u12G4\"]", "{1:2}"
    };
    json_document doc;
    char err[256], deep[400];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (json_parse(bad[i], strlen(bad[i]), &doc, err, sizeof(err)) == 0) fail_msg("accepted bad JSON #%d: %s", (int)i, bad[i]);
        assert_true(strncmp(err, "line ", 5) == 0);
    }
    memset(deep, '[', sizeof(deep));
    assert_int_equal(json_parse(deep, sizeof(deep), &doc, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nested deeper"));
    /* lengths are honoured: no reading past the given size */
    assert_int_equal(json_parse("[1]xyz", 3, &doc, err, sizeof(err)), 0);
    json_free(&doc);
}

/* ================================================================ unit tests: ck_read_f32 */

static void test_read_f32_conversions(void **state)
{
    /* float16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0, +inf; bfloat16: 1, -3; float64: 1.5, -0.25 */
    static const uint8_t f16[] = {0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x80, 0x00, 0x7C};
    static const uint8_t bf16[] = {0x80, 0x3F, 0x40, 0xC0};
    static const uint8_t f64[] = {0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0xD0, 0xBF};
    ck_file f;
    ck_tensor t;
    float out[6];
    char err[CK_ERR_LEN];
    (void)state;
    memset(&f, 0, sizeof(f));
    memset(&t, 0, sizeof(t));
    t.name = (char *)"t";
    t.ndim = 1;
    t.strides[0] = 1;

    t.dtype = CK_F16; t.dims[0] = 6; t.data = f16; t.nbytes = sizeof(f16);
    assert_int_equal(ck_read_f32(&f, &t, out, 6, err), 0);
    assert_true(out[0] == 1.0f && out[1] == -2.0f && out[2] == 65504.0f && out[3] == 5.9604644775390625e-8f);
    assert_true(out[4] == 0.0f && signbit(out[4]) && isinf(out[5]) && out[5] > 0);

    t.dtype = CK_BF16; t.dims[0] = 2; t.data = bf16; t.nbytes = sizeof(bf16);
    assert_int_equal(ck_read_f32(&f, &t, out, 2, err), 0);
    assert_true(out[0] == 1.0f && out[1] == -3.0f);

    t.dtype = CK_F64; t.dims[0] = 2; t.data = f64; t.nbytes = sizeof(f64);
    assert_int_equal(ck_read_f32(&f, &t, out, 2, err), 0);
    assert_true(out[0] == 1.5f && out[1] == -0.25f);

    t.dtype = CK_I64;
    assert_int_equal(ck_read_f32(&f, &t, out, 2, err), -1);
    assert_non_null(strstr(err, "int64"));
    t.dtype = CK_F64;
    assert_int_equal(ck_read_f32(&f, &t, out, 3, err), -1);   /* count mismatch */
}

static void test_read_f32_strides(void **state)
{
    /* a [2,3] view of a stored [3,2] matrix (transposed): element (i,j) is at j*2 + i */
    static const float stored[6] = {0, 1, 2, 3, 4, 5};
    static const float expected[6] = {0, 2, 4, 1, 3, 5};
    ck_file f;
    ck_tensor t;
    float out[6];
    char err[CK_ERR_LEN];
    (void)state;
    memset(&f, 0, sizeof(f));
    memset(&t, 0, sizeof(t));
    t.name = (char *)"t";
    t.dtype = CK_F32;
    t.ndim = 2;
    t.dims[0] = 2; t.dims[1] = 3;
    t.strides[0] = 1; t.strides[1] = 2;
    t.data = (const uint8_t *)stored;
    t.nbytes = sizeof(stored);
    assert_int_equal(ck_read_f32(&f, &t, out, 6, err), 0);
    assert_memory_equal(out, expected, sizeof(expected));
    /* strides that reach past the data are refused */
    t.strides[1] = 3;
    assert_int_equal(ck_read_f32(&f, &t, out, 6, err), -1);
    assert_non_null(strstr(err, "past its data"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_tiny),
        cmocka_unit_test(test_convert_groups_with_tied_aliases),
        cmocka_unit_test(test_convert_relu),
        cmocka_unit_test(test_file_source_and_unprefixed_names),
        cmocka_unit_test(test_unknown_tensor_warns),
        cmocka_unit_test(test_classifier_head),
        cmocka_unit_test(test_classifier_label_mismatch_and_token_classification),
        cmocka_unit_test(test_conversion_errors),
        cmocka_unit_test(test_failure_keeps_existing_out),
        cmocka_unit_test(test_bad_command_lines),
        cmocka_unit_test(test_tokenizer_only_with_tokenizer_config),
        cmocka_unit_test(test_model_with_tokenizer),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_json_rejects_bad_input),
        cmocka_unit_test(test_read_f32_conversions),
        cmocka_unit_test(test_read_f32_strides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
