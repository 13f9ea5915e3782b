/* fuzz_stconfig.c - libFuzzer harness for the converter's sentence-transformers config readers (tools/st_config.c:
   modules.json, the Pooling module's config.json, sentence_bert_config.json).

   Input: one selector byte (its value mod 3: 0 modules.json, 1 Pooling config, 2 sentence_bert_config.json; the
   Pooling reader takes hidden_size 36 or, with bit 7 set, 768), then the JSON text. Every refusal must come with a
   message; every acceptance must give values the model file can hold (a pooling 0..4 other than the pooler,
   max_seq_length within 1..2^24, NUL-terminated relative paths). */
#define _POSIX_C_SOURCE 200809L
#include "tools/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_stconfig: broken promise: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CK_ERR_LEN];
    const char *text = (const char *)data + 1;
    size_t len;
    int r;
    if (size < 1) return 0;
    len = size - 1;
    err[0] = '\0';
    switch (data[0] % 3) {
    case 0: {
        st_modules m;
        r = st_parse_modules(text, len, "modules.json", &m, err);
        if (r == 0) {
            if (!memchr(m.transformer_path, 0, sizeof m.transformer_path) || !memchr(m.pooling_path, 0, sizeof m.pooling_path))
                fuzz_fail("a path without its NUL");
            if (m.has_pooling && (m.pooling_path[0] == '\0' || m.pooling_path[0] == '/' || strstr(m.pooling_path, "..")))
                fuzz_fail("a Pooling path that leaves the folder");
        }
        break;
    }
    case 1: {
        uint32_t pooling = 99;
        r = st_parse_pooling(text, len, "config.json", data[0] & 0x80 ? 768u : 36u, &pooling, err);
        if (r == 0 && (pooling > 4 || pooling == 2)) fuzz_fail("a pooling the model file cannot hold");
        break;
    }
    default: {
        uint32_t max_len = 0;
        int lower = -1;
        r = st_parse_sbert_config(text, len, "sentence_bert_config.json", &max_len, &lower, err);
        if (r == 0 && (max_len > (1u << 24) || (lower != 0 && lower != 1))) fuzz_fail("values out of range");
        break;
    }
    }
    if (r != 0 && err[0] == '\0') fuzz_fail("a refusal without a message");
    if (!memchr(err, 0, sizeof err)) fuzz_fail("an unterminated message");
    return 0;
}
