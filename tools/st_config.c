/* st_config.c - sentence-transformers folders: modules.json, <Pooling>/config.json, Normalize,
   sentence_bert_config.json -> the model file's default sentence vector (albert.h header bytes 140..148).

   What sentence-transformers does with these files (sentence_transformers/models/Pooling.py, Normalize.py,
   Transformer.py, SentenceTransformer.py):
     modules.json              [{"idx", "name", "path", "type"}, ...] run in idx order; the first is the
                               Transformer (token embeddings = the last hidden state)
     Pooling config.json       Pooling(**config): the keys pooling_mode_cls_token, _max_tokens, _mean_tokens,
                               _mean_sqrt_len_tokens, _weightedmean_tokens, _lasttoken (constructor defaults:
                               only mean_tokens is true when its key is absent) or "pooling_mode" (a string that
                               overrides them); several true modes are concatenated
     Normalize                 L2 normalization (no files)
     sentence_bert_config.json max_seq_length (inputs are truncated to it), do_lower_case (input lowercased)
   Stored: one pooling mode (mean, CLS, max, mean-sqrt-len), the normalize flag, max_seq_length. Refused with a
   message naming the module: Dense and every other module, poolings this library does not compute
   (weightedmean, lasttoken), several modes at once (a concatenated vector), a word_embedding_dimension other
   than hidden_size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "json.h"

#define ST_POOLING_MEAN 0u            /* albert_pooling values (albert.h) */
#define ST_POOLING_CLS 1u
#define ST_POOLING_MAX 3u
#define ST_POOLING_MEAN_SQRT_LEN 4u
#define ST_MAX_FILE (16L << 20)

static int st_parse(const char *text, size_t len, const char *name, json_document *doc, json_type want, char *err)
{
    char json_err[200];
    if (json_parse(text, len, doc, json_err, sizeof(json_err)) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: not valid JSON: %s", name, json_err);
        return -1;
    }
    if (json_root(doc)->type != want) {
        snprintf(err, CK_ERR_LEN, "%s: expected a JSON %s", name, want == JSON_ARRAY ? "array" : "object");
        json_free(doc);
        return -1;
    }
    return 0;
}

/* The last component of a dotted type name ("sentence_transformers.models.Pooling" -> "Pooling"). */
static const char *st_short_type(const char *type)
{
    const char *dot = strrchr(type, '.');
    return dot ? dot + 1 : type;
}

int st_parse_modules(const char *text, size_t len, const char *name, st_modules *out, char *err)
{
    json_document doc;
    const json_value *m;
    int index = 0;
    memset(out, 0, sizeof(*out));
    if (st_parse(text, len, name, &doc, JSON_ARRAY, err) != 0) return -1;
    for (m = json_first(&doc, json_root(&doc)); m; m = json_next(&doc, m), index++) {
        const json_value *type = json_get(&doc, m, "type"), *path = json_get(&doc, m, "path");
        const char *t;
        if (m->type != JSON_OBJECT || !type || type->type != JSON_STRING || strlen(type->string) != type->length ||
            (path && (path->type != JSON_STRING || strlen(path->string) != path->length))) {
            snprintf(err, CK_ERR_LEN, "%s: module %d needs a \"type\" string (and \"path\" a string)", name, index);
            goto fail;
        }
        t = st_short_type(type->string);
        if (index == 0) {
            if (strcmp(t, "Transformer") != 0) {
                snprintf(err, CK_ERR_LEN, "%s: the first module is %.80s, not a Transformer: the library cannot run it",
                         name, type->string);
                goto fail;
            }
            snprintf(out->transformer_path, sizeof(out->transformer_path), "%s", path ? path->string : "");
            if (path && path->length >= sizeof(out->transformer_path)) {
                snprintf(err, CK_ERR_LEN, "%s: the Transformer's path is too long", name);
                goto fail;
            }
            continue;
        }
        if (strcmp(t, "Pooling") == 0 && !out->has_pooling && !out->normalize) {
            if (!path || path->length == 0 || path->length >= sizeof(out->pooling_path) || strstr(path->string, "..") ||
                path->string[0] == '/') {
                snprintf(err, CK_ERR_LEN, "%s: the Pooling module needs a relative \"path\" (e.g. \"1_Pooling\")", name);
                goto fail;
            }
            out->has_pooling = 1;
            snprintf(out->pooling_path, sizeof(out->pooling_path), "%s", path->string);
        } else if (strcmp(t, "Normalize") == 0 && !out->normalize) {
            out->normalize = 1;
        } else {
            snprintf(err, CK_ERR_LEN, "%s: sentence-transformers module %d is %.80s%s%.60s%s: this library cannot run it "
                     "(it runs Transformer, then one Pooling, then Normalize)", name, index, type->string,
                     path && path->length ? " (" : "", path ? path->string : "", path && path->length ? ")" : "");
            goto fail;
        }
    }
    if (index == 0) { snprintf(err, CK_ERR_LEN, "%s: no modules", name); goto fail; }
    json_free(&doc);
    return 0;
fail:
    json_free(&doc);
    return -1;
}

int st_parse_pooling(const char *text, size_t len, const char *name, uint32_t hidden_size, uint32_t *pooling, char *err)
{
    static const char *const keys[6] = {"pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                                        "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                                        "pooling_mode_lasttoken"};
    static const char *const short_names[6] = {"cls", "mean", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"};
    static const uint32_t values[4] = {ST_POOLING_CLS, ST_POOLING_MEAN, ST_POOLING_MAX, ST_POOLING_MEAN_SQRT_LEN};
    int on[6] = {0, 1, 0, 0, 0, 0};   /* Pooling.__init__ defaults */
    json_document doc;
    const json_value *root, *v;
    int i, n_on = 0, which = -1;
    char modes[120] = "";
    if (st_parse(text, len, name, &doc, JSON_OBJECT, err) != 0) return -1;
    root = json_root(&doc);
    for (i = 0; i < 6; i++) {
        v = json_get(&doc, root, keys[i]);
        if (!v || v->type == JSON_NULL) continue;
        if (v->type != JSON_TRUE && v->type != JSON_FALSE) {
            snprintf(err, CK_ERR_LEN, "%s: \"%s\" must be true or false", name, keys[i]);
            goto fail;
        }
        on[i] = v->type == JSON_TRUE;
    }
    v = json_get(&doc, root, "pooling_mode");
    if (v && v->type != JSON_NULL) {   /* Pooling(pooling_mode="max") overrides the booleans */
        int found = -1;
        if (v->type == JSON_STRING)
            for (i = 0; i < 6; i++) {
                char lower[40];
                size_t k;
                for (k = 0; k < v->length && k + 1 < sizeof(lower); k++)
                    lower[k] = (char)(v->string[k] >= 'A' && v->string[k] <= 'Z' ? v->string[k] + 32 : v->string[k]);
                lower[k] = '\0';
                if (strcmp(lower, short_names[i]) == 0) found = i;
            }
        if (found < 0) {
            snprintf(err, CK_ERR_LEN, "%s: unknown \"pooling_mode\" (sentence-transformers knows mean, max, cls, "
                     "weightedmean, lasttoken, mean_sqrt_len_tokens)", name);
            goto fail;
        }
        for (i = 0; i < 6; i++) if (i != 3 || found == 3) on[i] = i == found;
    }
    v = json_get(&doc, root, "word_embedding_dimension");
    if (v && v->type != JSON_NULL && !(v->type == JSON_NUMBER && v->is_integer && v->integer == (int64_t)hidden_size)) {
        snprintf(err, CK_ERR_LEN, "%s: word_embedding_dimension is not the model's hidden_size %u", name, hidden_size);
        goto fail;
    }
    for (i = 0; i < 6; i++) {
        if (!on[i]) continue;
        n_on++;
        which = i;
        if (modes[0]) strcat(modes, " + ");
        strcat(modes, short_names[i]);
    }
    if (n_on == 0) { snprintf(err, CK_ERR_LEN, "%s: no pooling mode is set", name); goto fail; }
    if (n_on > 1) {
        snprintf(err, CK_ERR_LEN, "%s: pooling modes %s are concatenated into one vector: not supported (one mode only)",
                 name, modes);
        goto fail;
    }
    if (which >= 4) {
        snprintf(err, CK_ERR_LEN, "%s: pooling mode %s is not supported (mean, cls, max and mean_sqrt_len_tokens are)",
                 name, short_names[which]);
        goto fail;
    }
    *pooling = values[which];
    json_free(&doc);
    return 0;
fail:
    json_free(&doc);
    return -1;
}

int st_parse_sbert_config(const char *text, size_t len, const char *name, uint32_t *max_seq_length, int *lower_case,
                          char *err)
{
    json_document doc;
    const json_value *root, *v;
    *max_seq_length = 0;
    *lower_case = 0;
    if (st_parse(text, len, name, &doc, JSON_OBJECT, err) != 0) return -1;
    root = json_root(&doc);
    v = json_get(&doc, root, "max_seq_length");
    if (v && v->type != JSON_NULL) {
        if (v->type != JSON_NUMBER || !v->is_integer || v->integer < 1 || v->integer > (1 << 24)) {
            snprintf(err, CK_ERR_LEN, "%s: \"max_seq_length\" must be an integer 1..2^24", name);
            json_free(&doc);
            return -1;
        }
        *max_seq_length = (uint32_t)v->integer;
    }
    v = json_get(&doc, root, "do_lower_case");
    if (v && v->type != JSON_NULL) {
        if (v->type != JSON_TRUE && v->type != JSON_FALSE) {
            snprintf(err, CK_ERR_LEN, "%s: \"do_lower_case\" must be true or false", name);
            json_free(&doc);
            return -1;
        }
        *lower_case = v->type == JSON_TRUE;
    }
    json_free(&doc);
    return 0;
}

/* Reads folder/name into a NUL-terminated buffer: 0, 1 if the file does not exist, -1 on errors. */
static int st_read(const char *folder, const char *name, char **text, size_t *len, char *path, size_t path_size, char *err)
{
    FILE *f;
    long n;
    snprintf(path, path_size, "%s/%s", folder, name);
    f = ck_fopen(path, "rb");
    *text = NULL;
    if (!f) return 1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > ST_MAX_FILE || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        snprintf(err, CK_ERR_LEN, "%s: cannot read (or larger than 16 MB)", path);
        return -1;
    }
    *text = (char *)malloc((size_t)n + 1);
    if (!*text || fread(*text, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*text);
        *text = NULL;
        snprintf(err, CK_ERR_LEN, "%s: cannot read", path);
        return -1;
    }
    fclose(f);
    (*text)[n] = '\0';
    *len = (size_t)n;
    return 0;
}

int st_read_folder(const char *folder, uint32_t hidden_size, st_settings *out, char *err)
{
    char path[1200], *text;
    size_t len;
    int r;
    memset(out, 0, sizeof(*out));
    r = st_read(folder, "modules.json", &text, &len, path, sizeof(path), err);
    if (r != 0) return r < 0 ? -1 : 0;
    out->present = 1;
    r = st_parse_modules(text, len, path, &out->modules, err);
    free(text);
    if (r != 0) return -1;
    out->pooling = ST_POOLING_MEAN;
    if (out->modules.has_pooling) {
        char sub[1100];
        snprintf(sub, sizeof(sub), "%s/%s", folder, out->modules.pooling_path);
        r = st_read(sub, "config.json", &text, &len, path, sizeof(path), err);
        if (r > 0) snprintf(err, CK_ERR_LEN, "%.400s: missing (the Pooling module's config)", path);
        if (r != 0) return -1;
        r = st_parse_pooling(text, len, path, hidden_size, &out->pooling, err);
        free(text);
        if (r != 0) return -1;
    }
    r = st_read(folder, "sentence_bert_config.json", &text, &len, path, sizeof(path), err);
    if (r < 0) return -1;
    if (r == 0) {
        r = st_parse_sbert_config(text, len, path, &out->max_seq_length, &out->lower_case, err);
        free(text);
        if (r != 0) return -1;
    }
    return 0;
}
