/* embed-batch - the plainest fast corpus embedder against albert.h, the yardstick for `albert-cli embed`:
   reads every line of FILE, tokenizes them all (truncated to max_position_embeddings), sorts the whole corpus by
   length, runs batches of up to BATCH texts / TOKENS padded tokens with skip_padding, mean pooling, and writes
   the vectors in input order as raw float32 to OUT.

   usage: embed-batch MODEL FILE OUT [BATCH [TOKENS [THREADS]]]     (defaults 32, 4096, 0 = every core) */
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int32_t *lengths;
static int longest_first(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return lengths[x] != lengths[y] ? (lengths[x] > lengths[y] ? -1 : 1) : (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    albert_model *model;
    albert_context *ctx;
    albert_error err;
    albert_context_params params = albert_context_default_params();
    int batch = argc > 4 ? atoi(argv[4]) : 32, budget = argc > 5 ? atoi(argv[5]) : 4096, H, limit, i, n = 0, cap = 1024;
    FILE *in, *out;
    char *text;
    long size;
    int32_t *ids, *mask, *len, **tok;
    int *order;
    float *vecs, *all;
    if (argc < 4 || batch < 1 || budget < 1) { fprintf(stderr, "usage: embed-batch MODEL FILE OUT [BATCH [TOKENS [THREADS]]]\n"); return 2; }
    if (albert_model_load(argv[1], &model, &err) != ALBERT_OK) { fprintf(stderr, "%s\n", err.message); return 1; }
    H = albert_model_config(model)->hidden_size;
    limit = albert_model_config(model)->max_position_embeddings;
    if (budget < limit) budget = limit;
    params.max_tokens = budget;
    params.n_threads = argc > 6 ? atoi(argv[6]) : 0;
    if (albert_context_create(model, &params, &ctx) != ALBERT_OK) { fprintf(stderr, "cannot create a context\n"); return 1; }
    /* the whole file, split at '\n' */
    if (!(in = fopen(argv[2], "rb")) || fseek(in, 0, SEEK_END) || (size = ftell(in)) < 0 || fseek(in, 0, SEEK_SET) ||
        !(text = (char *)malloc((size_t)size + 1)) || fread(text, 1, (size_t)size, in) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 1;
    }
    fclose(in);
    text[size] = '\n';
    tok = (int32_t **)malloc(sizeof(int32_t *) * (size_t)cap);
    len = (int32_t *)malloc(sizeof(int32_t) * (size_t)cap);
    {
        char *p = text, *end = text + size;
        while (p < end) {
            char *nl = (char *)memchr(p, '\n', (size_t)(end - p) + 1);
            albert_tokens t;
            if (n == cap) {
                cap *= 2;
                tok = (int32_t **)realloc(tok, sizeof(int32_t *) * (size_t)cap);
                len = (int32_t *)realloc(len, sizeof(int32_t) * (size_t)cap);
                if (!tok || !len) return 1;
            }
            memset(&t, 0, sizeof t);
            t.ids = tok[n] = (int32_t *)malloc(sizeof(int32_t) * (size_t)limit);
            t.capacity = limit;
            if (!t.ids || albert_tokenize(model, p, (size_t)(nl - p), NULL, 0, limit, &t) != ALBERT_OK) return 1;
            len[n++] = t.n_tokens;
            p = nl + 1;
        }
    }
    order = (int *)malloc(sizeof(int) * (size_t)n);
    for (i = 0; i < n; i++) order[i] = i;
    lengths = len;
    qsort(order, (size_t)n, sizeof(int), longest_first);
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)budget);
    mask = (int32_t *)malloc(sizeof(int32_t) * (size_t)budget);
    vecs = (float *)malloc(sizeof(float) * (size_t)batch * (size_t)H);
    all = (float *)malloc(sizeof(float) * ((size_t)n + 1) * (size_t)H);
    if (!order || !ids || !mask || !vecs || !all) return 1;
    for (i = 0; i < n;) {
        int count = 0, S = len[order[i]], b, t;   /* the longest first: S is this batch's length */
        albert_batch bt;
        albert_outputs o;
        while (i + count < n && count < batch && (count + 1) * S <= budget) count++;
        for (b = 0; b < count; b++)
            for (t = 0; t < S; t++) {
                int w = order[i + b];
                ids[b * S + t] = t < len[w] ? tok[w][t] : 0;
                mask[b * S + t] = t < len[w];
            }
        memset(&bt, 0, sizeof bt);
        memset(&o, 0, sizeof o);
        bt.batch_size = count;
        bt.seq_len = S;
        bt.input_ids = ids;
        bt.attention_mask = mask;
        bt.skip_padding = 1;
        o.layer = -1;
        o.sentence = vecs;
        o.pooling = ALBERT_POOLING_MEAN;
        if (albert_encode_batch(ctx, &bt, &o) != ALBERT_OK) { fprintf(stderr, "%s\n", albert_context_last_error(ctx)); return 1; }
        for (b = 0; b < count; b++) memcpy(all + (size_t)order[i + b] * H, vecs + (size_t)b * H, sizeof(float) * (size_t)H);
        i += count;
    }
    if (!(out = fopen(argv[3], "wb")) || fwrite(all, sizeof(float), (size_t)n * H, out) != (size_t)n * H || fclose(out)) {
        fprintf(stderr, "cannot write %s\n", argv[3]);
        return 1;
    }
    for (i = 0; i < n; i++) free(tok[i]);
    free(tok); free(len); free(order); free(ids); free(mask); free(vecs); free(all); free(text);
    albert_context_free(ctx);
    albert_model_free(model);
    return 0;
}
