/* fuzz_safetensors.c - libFuzzer harness for the converter's safetensors reader (tools/ck_safetensors.c) and
   its JSON parser (tools/json.c).

   The input is an exact-size copy given to ck_open_safetensors_memory (the parser ck_open_safetensors runs on the
   mapped file; no file is written), and every tensor it lists is read with ck_read_f32. The same bytes
   also go straight into json_parse, whose tree is then walked with every accessor of tools/json.h, checking
   the promises made there (counts, NUL-terminated strings, integer values).

   Build: see tests/fuzz/run.sh (compiled with tools/ck_*.c, tools/json.c and the other converter sources). */
#define _POSIX_C_SOURCE 200809L
#define FUZZ_NAME "fuzz_safetensors"
#include "tools/convert.h"
#include "tools/json.h"
#include "tests/fuzz/fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Walks a JSON subtree through the public accessors; returns the number of values seen. */
static int32_t walk_json(const json_document *doc, const json_value *v, int depth)
{
    int32_t seen = 1, children = 0;
    const json_value *child;
    if (depth > JSON_MAX_DEPTH + 1) fuzz_fail("nesting deeper than JSON_MAX_DEPTH");
    (void)json_type_name(v->type);
    if (v->type == JSON_STRING) {
        if (!v->string || v->string[v->length] != '\0') fuzz_fail("string not NUL-terminated at length");
    }
    if (v->key && v->key[v->key_length] != '\0') fuzz_fail("key not NUL-terminated at key_length");
    if (v->type == JSON_NUMBER && v->is_integer && v->integer <= ((int64_t)1 << 53) &&
        v->integer >= -((int64_t)1 << 53) && (double)v->integer != v->number)
        fuzz_fail("integer and number disagree");
    if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) return seen;
    for (child = json_first(doc, v); child; child = json_next(doc, child)) {
        if (v->type == JSON_OBJECT) {
            if (!child->key) fuzz_fail("object member without a key");
            if (json_get(doc, v, child->key) == NULL && strlen(child->key) == child->key_length)
                fuzz_fail("json_get misses a member");
        } else if (json_at(doc, v, children) != child) {
            fuzz_fail("json_at disagrees with iteration");
        }
        children++;
        if (children > v->count) fuzz_fail("more children than count");
        seen += walk_json(doc, child, depth + 1);
    }
    if (children != v->count) fuzz_fail("fewer children than count");
    if (v->type == JSON_ARRAY && json_at(doc, v, v->count) != NULL) fuzz_fail("json_at past the end");
    return seen;
}

static void fuzz_json(const uint8_t *data, size_t size)
{
    json_document doc;
    char err[256];
    memset(&doc, 0, sizeof doc);
    if (json_parse((const char *)data, size, &doc, err, sizeof err) == 0) {
        const json_value *root = json_root(&doc);
        if (!root) fuzz_fail("parsed document without a root");
        if (walk_json(&doc, root, 0) != doc.n_values) fuzz_fail("walk does not reach every value");
        (void)json_get(&doc, root, "__metadata__");
        json_free(&doc);
    } else if (err[0] == '\0') {
        fuzz_fail("json_parse failed without a message");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = fuzz_copy(data, size);
    ck_file f;
    char err[CK_ERR_LEN];

    fuzz_json(data, size);
    if (!copy) return 0;
    err[0] = '\0';
    if (ck_open_safetensors_memory(copy, size, "fuzz.safetensors", &f, err) == 0) {
        fuzz_read_every_tensor(&f, NULL, 0, 1);
        ck_close(&f);
    } else if (err[0] == '\0') {
        fuzz_fail("ck_open_safetensors_memory failed without a message");
    }
    free(copy);
    return 0;
}
