/* bm_config.c - brightmart/albert_zh's albert_config*.json -> the model fields of a blob_config (architecture 1).

   What brightmart's code does with the file (github.com/brightmart/albert_zh at 52149e8, modeling.py):
     BertConfig.from_dict (83-88)   starts from BertConfig(vocab_size=None) with BERT's defaults (hidden 768, 12
                                    layers, 12 heads, intermediate 3072, gelu, max positions 512, 16 token types)
                                    and copies every key of the file over them
     embedding_size (178)           read without a default: the file must have it (so must vocab_size: None)
     ln_type (206-236)              read without a default; "postln" or null: transformer_model (post-LN), any
                                    other value: prelln_transformer_model (pre-LN)
     hidden_act (286-332)           get_activation(): lower-cased; "" or "linear" none, "relu", "gelu" (the tanh
                                    form), "tanh"; anything else is an error
     LayerNorm                      tf.contrib.layers.layer_norm: epsilon 1e-12 (no config key)
   Google's num_hidden_groups / inner_group_num are not read by their graph (one shared layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "json.h"

#define BM_ACT_GELU_TANH 2u   /* albert_activation values (albert.h) */
#define BM_ACT_RELU 3u
#define BM_ACT_TANH 6u
#define BM_ACT_LINEAR 8u

/* An integer entry in [min, max] (768.0 counts as 768); absent or null: fallback, or an error when required. */
static int bm_int(const json_document *doc, const char *name, const char *key, int required, int64_t fallback,
                  int64_t min, int64_t max, uint32_t *out, char *err)
{
    const json_value *v = json_get(doc, json_root(doc), key);
    int64_t value = fallback;
    if (!v && required) {
        snprintf(err, CK_ERR_LEN, "%s: a brightmart albert_zh config needs \"%s\" (their modeling.py reads it without "
                 "a default)", name, key);
        return -1;
    }
    if (v && v->type != JSON_NULL) {
        if (v->type == JSON_NUMBER && v->is_integer) value = v->integer;
        else if (v->type == JSON_NUMBER && v->number == floor(v->number) && fabs(v->number) < 1e15) value = (int64_t)v->number;
        else {
            snprintf(err, CK_ERR_LEN, "%s: \"%s\" must be an integer, found %s", name, key, json_type_name(v->type));
            return -1;
        }
    } else if (v && required) {
        snprintf(err, CK_ERR_LEN, "%s: \"%s\" is null", name, key);
        return -1;
    }
    if (value < min || value > max) {
        snprintf(err, CK_ERR_LEN, "%s: \"%s\" = %lld is out of range (%lld..%lld)", name, key, (long long)value,
                 (long long)min, (long long)max);
        return -1;
    }
    *out = (uint32_t)value;
    return 0;
}

static int bm_activation(const json_document *doc, const char *name, uint32_t *act, char *err)
{
    const json_value *v = json_get(doc, json_root(doc), "hidden_act");
    char lower[16];
    size_t i;
    if (!v) { *act = BM_ACT_GELU_TANH; return 0; }   /* BertConfig's default "gelu" */
    if (v->type == JSON_NULL) { *act = BM_ACT_LINEAR; return 0; }   /* get_activation(None): no activation */
    if (v->type != JSON_STRING) {
        snprintf(err, CK_ERR_LEN, "%s: \"hidden_act\" must be a string", name);
        return -1;
    }
    for (i = 0; i < v->length && i + 1 < sizeof(lower); i++)
        lower[i] = (char)(v->string[i] >= 'A' && v->string[i] <= 'Z' ? v->string[i] + 32 : v->string[i]);
    lower[i] = '\0';
    if (v->length >= sizeof(lower)) lower[0] = '?';   /* longer than any known name */
    if (v->length == 0 || strcmp(lower, "linear") == 0) *act = BM_ACT_LINEAR;
    else if (strcmp(lower, "gelu") == 0) *act = BM_ACT_GELU_TANH;
    else if (strcmp(lower, "relu") == 0) *act = BM_ACT_RELU;
    else if (strcmp(lower, "tanh") == 0) *act = BM_ACT_TANH;
    else {
        snprintf(err, CK_ERR_LEN, "%s: unknown hidden_act \"%.40s\" (brightmart's get_activation knows gelu, relu, tanh, "
                 "linear)", name, v->string);
        return -1;
    }
    return 0;
}

int bm_parse_config(const char *text, size_t len, const char *name, blob_config *c, char *notes, char *err)
{
    json_document doc;
    const json_value *v;
    char json_err[200];
    int k;

    notes[0] = '\0';
    if (json_parse(text, len, &doc, json_err, sizeof(json_err)) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: not valid JSON: %s", name, json_err);
        return -1;
    }
    if (json_root(&doc)->type != JSON_OBJECT) {
        snprintf(err, CK_ERR_LEN, "%s: expected a JSON object", name);
        goto fail;
    }
    if (bm_int(&doc, name, "vocab_size", 1, 0, 1, 1 << 22, &c->vocab_size, err) ||
        bm_int(&doc, name, "embedding_size", 1, 0, 1, 1 << 16, &c->embedding_size, err) ||
        bm_int(&doc, name, "hidden_size", 0, 768, 1, 1 << 16, &c->hidden_size, err) ||
        bm_int(&doc, name, "num_hidden_layers", 0, 12, 1, 1024, &c->num_hidden_layers, err) ||
        bm_int(&doc, name, "num_attention_heads", 0, 12, 1, 1 << 16, &c->num_attention_heads, err) ||
        bm_int(&doc, name, "intermediate_size", 0, 3072, 1, 1 << 20, &c->intermediate_size, err) ||
        bm_int(&doc, name, "max_position_embeddings", 0, 512, 1, 1 << 20, &c->max_position_embeddings, err) ||
        bm_int(&doc, name, "type_vocab_size", 0, 16, 1, 1 << 16, &c->type_vocab_size, err) ||
        bm_activation(&doc, name, &c->hidden_act, err))
        goto fail;
    if (c->hidden_size % c->num_attention_heads != 0) {
        snprintf(err, CK_ERR_LEN, "%s: num_attention_heads = %u does not divide hidden_size = %u", name,
                 c->num_attention_heads, c->hidden_size);
        goto fail;
    }
    v = json_get(&doc, json_root(&doc), "ln_type");
    if (!v) {
        snprintf(err, CK_ERR_LEN, "%s: a brightmart albert_zh config needs \"ln_type\" (their modeling.py reads it without "
                 "a default; their tiny..xlarge configs say \"postln\", xxlarge \"preln\")", name);
        goto fail;
    }
    if (v->type != JSON_NULL && v->type != JSON_STRING) {
        snprintf(err, CK_ERR_LEN, "%s: \"ln_type\" must be a string (\"postln\" or \"preln\")", name);
        goto fail;
    }
    c->brightmart_flags = 0;
    if (v->type == JSON_STRING && !(v->length == 6 && strcmp(v->string, "postln") == 0)) {
        c->brightmart_flags = 1u;   /* pre-LN */
        if (!(v->length == 5 && strcmp(v->string, "preln") == 0))
            snprintf(notes, CK_ERR_LEN, "%s: ln_type \"%.40s\" is not \"postln\": pre-LN, as brightmart's modeling.py "
                     "does", name, v->string);
    }
    for (k = 0; k < 2; k++) {   /* Google's keys, which brightmart's graph ignores */
        const char *key = k ? "inner_group_num" : "num_hidden_groups";
        uint32_t n = 1;
        if (bm_int(&doc, name, key, 0, 1, 1, 1 << 16, &n, err) != 0) goto fail;
        if (n != 1 && !notes[0])
            snprintf(notes, CK_ERR_LEN, "%s: %s = %u is ignored: brightmart's graph shares one layer", name, key, n);
    }
    c->num_hidden_groups = c->inner_group_num = 1;
    c->layer_norm_eps = 1e-12f;
    c->architecture = 1;
    json_free(&doc);
    return 0;
fail:
    json_free(&doc);
    return -1;
}
