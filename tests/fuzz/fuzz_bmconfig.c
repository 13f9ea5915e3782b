/* fuzz_bmconfig.c - libFuzzer harness for the converter's brightmart albert_zh config reader (tools/bm_config.c,
   bm_parse_config: JSON, BertConfig defaults, required keys, ln_type, hidden_act).

   The input is the config file's bytes. A config the reader accepts must describe a model albert.h can load:
   architecture 1, one shared layer, sizes in range, heads dividing hidden_size, a known activation, the pre-LN
   flag only in bit 0, epsilon 1e-12; the tokenizer fields it was given stay untouched. Messages must be
   NUL-terminated strings of at most CK_ERR_LEN bytes.

   Build: see tests/fuzz/run.sh (compiled with the converter sources). */
#include "tools/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_bmconfig: broken promise: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    blob_config c;
    char notes[CK_ERR_LEN], err[CK_ERR_LEN];
    char *text = (char *)malloc(size + 1);   /* exactly size bytes of input, as read_text_file hands them over */
    int i;
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&c, 0, sizeof c);
    for (i = 0; i < 8; i++) c.special_ids[i] = -1;
    c.tokenizer_kind = 2;
    c.tokenizer_flags = 5;
    memset(err, 'x', sizeof err);
    memset(notes, 'x', sizeof notes);
    if (bm_parse_config(text, size, "fuzz.json", &c, notes, err) == 0) {
        if (memchr(notes, 0, sizeof notes) == NULL) fuzz_fail("notes not terminated");
        if (c.architecture != 1 || c.brightmart_flags > 1) fuzz_fail("architecture / flags");
        if (c.num_hidden_groups != 1 || c.inner_group_num != 1) fuzz_fail("not one shared layer");
        if (c.vocab_size < 1 || c.vocab_size > (1u << 22) || c.embedding_size < 1 || c.embedding_size > (1u << 16) ||
            c.hidden_size < 1 || c.hidden_size > (1u << 16) || c.num_hidden_layers < 1 || c.num_hidden_layers > 1024 ||
            c.num_attention_heads < 1 || c.intermediate_size < 1 || c.intermediate_size > (1u << 20) ||
            c.max_position_embeddings < 1 || c.max_position_embeddings > (1u << 20) || c.type_vocab_size < 1 ||
            c.type_vocab_size > (1u << 16))
            fuzz_fail("size out of range");
        if (c.hidden_size % c.num_attention_heads != 0) fuzz_fail("heads do not divide hidden_size");
        if (c.hidden_act != 2 && c.hidden_act != 3 && c.hidden_act != 6 && c.hidden_act != 8) fuzz_fail("activation");
        if (c.layer_norm_eps != 1e-12f) fuzz_fail("epsilon");
        if (c.tokenizer_kind != 2 || c.tokenizer_flags != 5 || c.special_ids[0] != -1) fuzz_fail("tokenizer fields");
    } else if (memchr(err, 0, sizeof err) == NULL || err[0] == '\0') {
        fuzz_fail("error without a message");
    }
    free(text);
    return 0;
}
