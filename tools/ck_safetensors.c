/* ck_safetensors.c - reader for HuggingFace safetensors files.

   Layout: u64 LE header length N, N bytes of JSON header, then the data section. The header maps each tensor
   name to {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]} with offsets relative to the data
   section; "__metadata__" (string -> string) is ignored. The file is mapped read-only; tensors point into the
   mapping. Every offset is checked against the file size and against shape x dtype size before use; tensors
   may overlap (aliases) but not leave the data section. */
#include "convert.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_MAX_HEADER ((uint64_t)100 << 20)   /* the safetensors limit: 100 MB of header */
#define ST_MAX_ELEMENTS ((int64_t)1 << 40)    /* refuse absurd claims early */

typedef struct st_impl {
    ck_mapping map;
} st_impl;

static void st__close(ck_file *f)
{
    st_impl *impl = (st_impl *)f->impl;
    int i;
    for (i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    free(f->path);
    if (impl) {
        ck_unmap_file(&impl->map);
        free(impl);
    }
}

static int st__dtype(const char *name, ck_dtype *dtype, uint64_t *element_size)
{
    static const struct { const char *name; ck_dtype dtype; unsigned size; } table[] = {
        {"F32", CK_F32, 4}, {"F16", CK_F16, 2}, {"BF16", CK_BF16, 2}, {"F64", CK_F64, 8},
        {"I64", CK_I64, 8}, {"I32", CK_I32, 4}, {"I8", CK_I8, 1}, {"U8", CK_U8, 1}, {"BOOL", CK_BOOL, 1},
        {"I16", CK_OTHER, 2}, {"U16", CK_OTHER, 2}, {"U32", CK_OTHER, 4}, {"U64", CK_OTHER, 8},
        {"F8_E4M3", CK_OTHER, 1}, {"F8_E5M2", CK_OTHER, 1}, {"C64", CK_OTHER, 8}
    };
    size_t i;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(name, table[i].name) == 0) {
            *dtype = table[i].dtype;
            *element_size = table[i].size;
            return 0;
        }
    }
    return -1;
}

static int st__compare_names(const void *a, const void *b)
{
    return strcmp((*(const ck_tensor *const *)a)->name, (*(const ck_tensor *const *)b)->name);
}

/* Fills t from one header entry; data_section/data_size bound the offsets. */
static int st__tensor(const char *path, const json_document *doc, const json_value *entry, ck_tensor *t,
                      const uint8_t *data_section, uint64_t data_size, char *err)
{
    const char *name = entry->key;
    const json_value *dtype = json_get(doc, entry, "dtype");
    const json_value *shape = json_get(doc, entry, "shape");
    const json_value *offsets = json_get(doc, entry, "data_offsets");
    const json_value *dim, *begin_value, *end_value;
    uint64_t element_size, begin, end, expected_bytes;
    int64_t numel = 1;
    int i;

    if (entry->type != JSON_OBJECT) {
        ck_fail(err, path, "header entry %s is %s, expected an object", name, json_type_name(entry->type));
        return -1;
    }
    if (!dtype || dtype->type != JSON_STRING) {
        ck_fail(err, path, "tensor %s: \"dtype\" missing or not a string", name);
        return -1;
    }
    if (st__dtype(dtype->string, &t->dtype, &element_size) != 0) {
        ck_fail(err, path, "tensor %s: unknown dtype \"%.40s\"", name, dtype->string);
        return -1;
    }
    if (!shape || shape->type != JSON_ARRAY) {
        ck_fail(err, path, "tensor %s: \"shape\" missing or not an array", name);
        return -1;
    }
    if (shape->count > CK_MAX_DIMS) {
        ck_fail(err, path, "tensor %s: %d dimensions (at most %d supported)", name,
                (int)shape->count, CK_MAX_DIMS);
        return -1;
    }
    t->ndim = (int)shape->count;
    for (i = 0, dim = json_first(doc, shape); dim; dim = json_next(doc, dim), i++) {
        if (dim->type != JSON_NUMBER || !dim->is_integer || dim->integer < 0) {
            ck_fail(err, path, "tensor %s: shape entries must be non-negative integers", name);
            return -1;
        }
        if (dim->integer > ST_MAX_ELEMENTS || (dim->integer != 0 && numel > ST_MAX_ELEMENTS / dim->integer)) {
            ck_fail(err, path, "tensor %s: shape claims more than 2^40 elements", name);
            return -1;
        }
        t->dims[i] = dim->integer;
        numel *= dim->integer;
    }
    for (i = t->ndim - 1; i >= 0; i--) t->strides[i] = (i == t->ndim - 1) ? 1 : t->strides[i + 1] * t->dims[i + 1];

    if (!offsets || offsets->type != JSON_ARRAY || offsets->count != 2) {
        ck_fail(err, path, "tensor %s: \"data_offsets\" missing or not [begin, end]", name);
        return -1;
    }
    begin_value = json_at(doc, offsets, 0);
    end_value = json_at(doc, offsets, 1);
    if (begin_value->type != JSON_NUMBER || !begin_value->is_integer || begin_value->integer < 0 ||
        end_value->type != JSON_NUMBER || !end_value->is_integer || end_value->integer < 0) {
        ck_fail(err, path, "tensor %s: data_offsets must be non-negative integers", name);
        return -1;
    }
    begin = (uint64_t)begin_value->integer;
    end = (uint64_t)end_value->integer;
    if (begin > end || end > data_size) {
        ck_fail(err, path, "tensor %s: data_offsets [%llu, %llu] outside the data section (%llu bytes)",
                name, (unsigned long long)begin, (unsigned long long)end, (unsigned long long)data_size);
        return -1;
    }
    expected_bytes = (uint64_t)numel * element_size;   /* numel <= 2^40, element_size <= 8: no overflow */
    if (end - begin != expected_bytes) {
        ck_fail(err, path, "tensor %s: data_offsets give %llu bytes but %s x %lld elements need %llu",
                name, (unsigned long long)(end - begin), dtype->string, (long long)numel,
                (unsigned long long)expected_bytes);
        return -1;
    }
    t->data = t->dtype == CK_OTHER ? NULL : data_section + begin;
    t->nbytes = end - begin;
    return 0;
}

/* An empty ck_file for `path` (a file name, or a name for messages): path copied, impl allocated (no mapping). */
static int st__begin(const char *path, ck_file *f, char *err)
{
    memset(f, 0, sizeof(*f));
    f->close = st__close;
    f->path = (char *)malloc(strlen(path) + 1);
    f->impl = calloc(1, sizeof(st_impl));
    if (!f->path || !f->impl) { ck_fail(err, path, "out of memory"); ck_close(f); return -1; }
    strcpy(f->path, path);
    return 0;
}

/* Reads the header of the safetensors bytes [bytes, bytes + file_size) into f (from st__begin); the tensors point
   into the bytes. On failure f is closed. */
static int st__parse(const uint8_t *bytes, uint64_t file_size, ck_file *f, char *err)
{
    const char *path = f->path;
    int i;
    uint64_t header_length = 0, data_size;
    json_document doc;
    const json_value *root, *entry;
    char json_err[256];
    ck_tensor **sorted = NULL;

    memset(&doc, 0, sizeof(doc));
    if (file_size < 8) {
        ck_fail(err, path, "not a safetensors file (%llu bytes, shorter than the 8-byte header length)",
                (unsigned long long)file_size);
        goto fail;
    }

    for (i = 7; i >= 0; i--) header_length = header_length << 8 | bytes[i];
    if (header_length > file_size - 8) {
        ck_fail(err, path, "corrupt safetensors header: header length %llu exceeds the file (%lld bytes)",
                (unsigned long long)header_length, (long long)file_size);
        goto fail;
    }
    if (header_length > ST_MAX_HEADER) {
        ck_fail(err, path, "corrupt safetensors header: header length %llu exceeds 100 MB",
                (unsigned long long)header_length);
        goto fail;
    }
    if (header_length < 2 || bytes[8] != '{') {
        ck_fail(err, path, "not a safetensors file (the header does not start with '{')");
        goto fail;
    }
    data_size = file_size - 8 - header_length;
    if (json_parse((const char *)bytes + 8, (size_t)header_length, &doc, json_err, sizeof(json_err)) != 0) {
        ck_fail(err, path, "corrupt safetensors header: bad JSON: %s", json_err);
        goto fail;
    }
    root = json_root(&doc);
    if (root->type != JSON_OBJECT) {
        ck_fail(err, path, "corrupt safetensors header: not a JSON object");
        goto fail;
    }

    f->tensors = (ck_tensor *)calloc(root->count ? (size_t)root->count : 1u, sizeof(ck_tensor));
    if (!f->tensors) { ck_fail(err, path, "out of memory"); goto fail; }
    for (entry = json_first(&doc, root); entry; entry = json_next(&doc, entry)) {
        ck_tensor *t;
        if (strcmp(entry->key, "__metadata__") == 0) continue;
        if (entry->key_length == 0 || strlen(entry->key) != entry->key_length) {
            ck_fail(err, path, "corrupt safetensors header: an empty tensor name or one containing NUL");
            goto fail;
        }
        t = &f->tensors[f->n_tensors];
        t->name = (char *)malloc(entry->key_length + 1);
        if (!t->name) { ck_fail(err, path, "out of memory"); goto fail; }
        memcpy(t->name, entry->key, entry->key_length + 1);
        f->n_tensors++;
        if (st__tensor(path, &doc, entry, t, bytes + 8 + header_length, data_size, err) != 0) goto fail;
    }

    /* A name listed twice would make lookups ambiguous. */
    if (f->n_tensors > 1) {
        sorted = (ck_tensor **)malloc((size_t)f->n_tensors * sizeof(*sorted));
        if (!sorted) { ck_fail(err, path, "out of memory"); goto fail; }
        for (i = 0; i < f->n_tensors; i++) sorted[i] = &f->tensors[i];
        qsort(sorted, (size_t)f->n_tensors, sizeof(*sorted), st__compare_names);
        for (i = 1; i < f->n_tensors; i++) {
            if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
                ck_fail(err, path, "corrupt safetensors header: tensor %s is listed twice", sorted[i]->name);
                goto fail;
            }
        }
        free(sorted);
        sorted = NULL;
    }
    json_free(&doc);
    return 0;

fail:
    free(sorted);
    json_free(&doc);
    ck_close(f);
    return -1;
}

int ck_open_safetensors_memory(const uint8_t *data, size_t size, const char *name, ck_file *f, char *err)
{
    if (st__begin(name ? name : "(safetensors)", f, err) != 0) return -1;
    return st__parse(data, (uint64_t)size, f, err);
}

int ck_open_safetensors(const char *path, ck_file *f, char *err)
{
    st_impl *impl;
    if (st__begin(path, f, err) != 0) return -1;
    impl = (st_impl *)f->impl;
    if (ck_map_file(path, &impl->map, err) != 0) { ck_close(f); return -1; }
    return st__parse((const uint8_t *)impl->map.data, (uint64_t)impl->map.size, f, err);
}
