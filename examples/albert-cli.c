/* albert-cli - quick tests of an albert.h model file from the command line.

     albert-cli info MODEL
     albert-cli tokenize MODEL "text" ["pair"]
     albert-cli encode MODEL (--ids 2,48,25,3 [--type-ids 0,0,0,0] | --text "..." [--text-pair "..."])
                       [--layer K] [--pooled] [--out FILE] [--threads N]
     albert-cli fill-mask MODEL "The capital of France is [MASK]." [--top K]
     albert-cli sop MODEL "first segment" "second segment"
     albert-cli classify MODEL "text"
*/
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr,
            "usage:\n"
            "  albert-cli info MODEL\n"
            "  albert-cli tokenize MODEL TEXT [PAIR]\n"
            "  albert-cli encode MODEL (--ids 2,48,25,3 [--type-ids 0,0,0,0] | --text TEXT [--text-pair TEXT])\n"
            "                    [--layer K] [--pooled] [--out FILE] [--threads N]\n"
            "  albert-cli fill-mask MODEL TEXT [--top K]\n"
            "  albert-cli sop MODEL TEXT_A TEXT_B\n"
            "  albert-cli classify MODEL TEXT\n");
}

static const char *activation_name(albert_activation a)
{
    switch (a) {
    case ALBERT_ACT_GELU: return "gelu (erf)";
    case ALBERT_ACT_GELU_TANH: return "gelu (tanh approximation)";
    case ALBERT_ACT_RELU: return "relu";
    case ALBERT_ACT_SILU: return "silu";
    case ALBERT_ACT_QUICK_GELU: return "quick_gelu";
    case ALBERT_ACT_TANH: return "tanh";
    case ALBERT_ACT_SIGMOID: return "sigmoid";
    case ALBERT_ACT_LINEAR: return "linear";
    case ALBERT_ACT_RELU6: return "relu6";
    case ALBERT_ACT_MISH: return "mish";
    case ALBERT_ACT_GELU_10: return "gelu_10";
    case ALBERT_ACT_RELU2: return "relu2";
    }
    return "?";
}

/* Parses "1,2,3" into a malloc'd array; returns the count or -1. */
static int parse_ids(const char *s, int32_t **out)
{
    int n = 1, i = 0;
    const char *p;
    int32_t *ids;
    for (p = s; *p; p++) n += *p == ',';
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)n);
    if (!ids) return -1;
    p = s;
    while (i < n) {
        char *end;
        long v;
        errno = 0;
        v = strtol(p, &end, 10);
        if (end == p || errno || v < INT32_MIN || v > INT32_MAX || (*end != ',' && *end != 0)) {
            free(ids);
            return -1;
        }
        ids[i++] = (int32_t)v;
        p = *end ? end + 1 : end;
    }
    *out = ids;
    return n;
}

typedef struct cli {
    albert_model *model;
    albert_context *ctx;
    const albert_config *config;
} cli;

static int open_model(cli *c, const char *path, int n_threads, int need_context)
{
    albert_error err;
    albert_context_params params = albert_context_default_params();
    memset(c, 0, sizeof *c);
    if (albert_model_load(path, &c->model, &err) != ALBERT_OK) {
        fprintf(stderr, "albert-cli: %s\n", err.message);
        return -1;
    }
    c->config = albert_model_config(c->model);
    if (!need_context) return 0;
    params.n_threads = n_threads;
    if (albert_context_create(c->model, &params, &c->ctx) != ALBERT_OK) {
        fprintf(stderr, "albert-cli: %s: cannot create a context (%s)\n", path,
                c->config->hidden_size ? "out of memory or threads" : "the file holds only a tokenizer");
        albert_model_free(c->model);
        return -1;
    }
    return 0;
}

static void close_model(cli *c)
{
    albert_context_free(c->ctx);
    albert_model_free(c->model);
}

/* Tokenizes text (+ pair) into freshly allocated ids / type ids. Returns the count or -1. */
static int tokenize(cli *c, const char *text, const char *pair, int32_t **ids, int32_t **types, int32_t **offsets)
{
    albert_tokens t;
    albert_result r;
    int capacity = 64;
    for (;;) {
        memset(&t, 0, sizeof t);
        t.capacity = capacity;
        t.ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)capacity);
        t.type_ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)capacity);
        t.offsets = (int32_t *)malloc(sizeof(int32_t) * 2 * (size_t)capacity);
        if (!t.ids || !t.type_ids || !t.offsets) {
            fprintf(stderr, "albert-cli: out of memory\n");
            return -1;
        }
        r = albert_tokenize(c->model, text, strlen(text), pair, pair ? strlen(pair) : 0, 0, &t);
        if (r != ALBERT_ERR_CAPACITY) break;
        free(t.ids);
        free(t.type_ids);
        free(t.offsets);
        capacity = t.n_tokens > capacity ? t.n_tokens : capacity * 2;
    }
    if (r != ALBERT_OK) {
        fprintf(stderr, "albert-cli: cannot tokenize: %s\n", albert_result_string(r));
        free(t.ids);
        free(t.type_ids);
        free(t.offsets);
        return -1;
    }
    *ids = t.ids;
    *types = t.type_ids;
    if (offsets) *offsets = t.offsets;
    else free(t.offsets);
    return t.n_tokens;
}

static void print_piece(const albert_model *m, int32_t id)
{
    int32_t len = 0;
    const char *p = albert_token_piece(m, id, &len);
    if (p) fwrite(p, 1, (size_t)len, stdout);
    else printf("<%ld>", (long)id);
}

static int cmd_info(int argc, char **argv)
{
    cli c;
    const albert_config *k;
    if (argc != 3) { usage(); return 2; }
    if (open_model(&c, argv[2], 1, 0)) return 1;
    k = c.config;
    if (k->hidden_size == 0) {
        printf("tokenizer-only model file\nvocab_size %ld\n", (long)k->vocab_size);
    } else {
        printf("vocab_size %ld\nembedding_size %ld\nhidden_size %ld\nnum_hidden_layers %ld\nnum_attention_heads %ld\n"
               "intermediate_size %ld\nnum_hidden_groups %ld\ninner_group_num %ld\nmax_position_embeddings %ld\n"
               "type_vocab_size %ld\nhidden_act %s\nlayer_norm_eps %g\n",
               (long)k->vocab_size, (long)k->embedding_size, (long)k->hidden_size, (long)k->num_hidden_layers,
               (long)k->num_attention_heads, (long)k->intermediate_size, (long)k->num_hidden_groups,
               (long)k->inner_group_num, (long)k->max_position_embeddings, (long)k->type_vocab_size,
               activation_name(k->hidden_act), (double)k->layer_norm_eps);
        printf("heads pooler=%s masked-lm=%s sentence-order=%s classifier=%s", k->has_pooler ? "yes" : "no",
               k->has_mlm ? "yes" : "no", k->has_sop ? "yes" : "no", k->has_classifier ? "yes" : "no");
        if (k->has_classifier) printf(" (%ld labels)", (long)k->num_labels);
        printf("\n");
    }
    printf("tokenizer %s\n", k->tokenizer == ALBERT_TOKENIZER_SENTENCEPIECE ? "sentencepiece"
                             : k->tokenizer == ALBERT_TOKENIZER_WORDPIECE  ? "wordpiece"
                                                                           : "none");
    close_model(&c);
    return 0;
}

static int cmd_tokenize(int argc, char **argv)
{
    cli c;
    int32_t *ids = NULL, *types = NULL;
    int n, i;
    if (argc != 4 && argc != 5) { usage(); return 2; }
    if (open_model(&c, argv[2], 1, 0)) return 1;
    n = tokenize(&c, argv[3], argc == 5 ? argv[4] : NULL, &ids, &types, NULL);
    if (n < 0) { close_model(&c); return 1; }
    for (i = 0; i < n; i++) printf("%s%ld", i ? " " : "", (long)ids[i]);
    printf("\n");
    for (i = 0; i < n; i++) {
        if (i) printf(" ");
        print_piece(c.model, ids[i]);
    }
    printf("\n");
    free(ids);
    free(types);
    close_model(&c);
    return 0;
}

static int cmd_encode(int argc, char **argv)
{
    const char *ids_arg = NULL, *types_arg = NULL, *text = NULL, *pair = NULL, *out_path = NULL;
    int32_t *ids = NULL, *types = NULL, layer = -1;
    int n = 0, n_types, pooled = 0, threads = 0, i, j, rc = 1;
    float *hidden = NULL, *pool = NULL;
    albert_batch batch;
    albert_outputs outs;
    cli c;
    if (argc < 3) { usage(); return 2; }
    for (i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--pooled")) { pooled = 1; continue; }
        if (i + 1 >= argc) { usage(); return 2; }
        if (!strcmp(a, "--ids")) ids_arg = argv[++i];
        else if (!strcmp(a, "--type-ids")) types_arg = argv[++i];
        else if (!strcmp(a, "--text")) text = argv[++i];
        else if (!strcmp(a, "--text-pair")) pair = argv[++i];
        else if (!strcmp(a, "--layer")) layer = (int32_t)atoi(argv[++i]);
        else if (!strcmp(a, "--out")) out_path = argv[++i];
        else if (!strcmp(a, "--threads")) threads = atoi(argv[++i]);
        else { usage(); return 2; }
    }
    if (!!ids_arg == !!text) { fprintf(stderr, "albert-cli: give either --ids or --text\n"); return 2; }
    if (open_model(&c, argv[2], threads, 1)) return 1;
    if (ids_arg) {
        if ((n = parse_ids(ids_arg, &ids)) < 0) { fprintf(stderr, "albert-cli: bad --ids\n"); goto done; }
        if (types_arg) {
            if ((n_types = parse_ids(types_arg, &types)) != n) {
                fprintf(stderr, "albert-cli: --type-ids must have as many entries as --ids\n");
                goto done;
            }
        }
    } else if ((n = tokenize(&c, text, pair, &ids, &types, NULL)) < 0) {
        goto done;
    }
    hidden = (float *)malloc(sizeof(float) * (size_t)n * (size_t)c.config->hidden_size);
    pool = (float *)malloc(sizeof(float) * (size_t)c.config->hidden_size);
    if (!hidden || !pool) { fprintf(stderr, "albert-cli: out of memory\n"); goto done; }
    memset(&batch, 0, sizeof batch);
    memset(&outs, 0, sizeof outs);
    batch.batch_size = 1;
    batch.seq_len = n;
    batch.input_ids = ids;
    batch.token_type_ids = types;
    outs.layer = layer;
    outs.hidden = hidden;
    outs.pooled = pooled ? pool : NULL;
    if (albert_encode_batch(c.ctx, &batch, &outs) != ALBERT_OK) {
        fprintf(stderr, "albert-cli: %s\n", albert_context_last_error(c.ctx));
        goto done;
    }
    if (out_path) {   /* raw little-endian float32: the hidden states, then the pooled vector if asked */
        FILE *f = fopen(out_path, "wb");
        int ok = f && fwrite(hidden, sizeof(float), (size_t)n * c.config->hidden_size, f) ==
                          (size_t)n * c.config->hidden_size;
        if (ok && pooled) ok = fwrite(pool, sizeof(float), (size_t)c.config->hidden_size, f) == (size_t)c.config->hidden_size;
        if (f && fclose(f) != 0) ok = 0;
        if (!ok) { fprintf(stderr, "albert-cli: cannot write %s\n", out_path); goto done; }
    } else {
        for (i = 0; i < n; i++) {
            for (j = 0; j < c.config->hidden_size; j++)
                printf(j ? " %.6g" : "%.6g", (double)hidden[(size_t)i * c.config->hidden_size + j]);
            printf("\n");
        }
        if (pooled) {
            printf("pooled:");
            for (j = 0; j < c.config->hidden_size; j++) printf(" %.6g", (double)pool[j]);
            printf("\n");
        }
    }
    rc = 0;
done:
    free(ids);
    free(types);
    free(hidden);
    free(pool);
    close_model(&c);
    return rc;
}

/* Index of the k largest values of x[n] into top[k] (k small). */
static void top_k(const float *x, int n, int k, int *top)
{
    int i, j;
    for (j = 0; j < k; j++) top[j] = -1;
    for (i = 0; i < n; i++) {
        for (j = 0; j < k; j++) {
            if (top[j] < 0 || x[i] > x[top[j]]) {
                memmove(top + j + 1, top + j, sizeof(int) * (size_t)(k - j - 1));
                top[j] = i;
                break;
            }
        }
    }
}

static void softmax(float *x, int n)
{
    int i;
    float mx = x[0], sum = 0.0f;
    for (i = 1; i < n; i++) if (x[i] > mx) mx = x[i];
    for (i = 0; i < n; i++) sum += (x[i] = expf(x[i] - mx));
    for (i = 0; i < n; i++) x[i] /= sum;
}

/* Runs the heads for one tokenized input; logits buffers are allocated here. */
static int run_heads(cli *c, int32_t *ids, int32_t *types, int n, float **mlm, float *sop, float *cls)
{
    albert_batch batch;
    albert_outputs outs;
    memset(&batch, 0, sizeof batch);
    memset(&outs, 0, sizeof outs);
    batch.batch_size = 1;
    batch.seq_len = n;
    batch.input_ids = ids;
    batch.token_type_ids = types;
    if (mlm) {
        *mlm = (float *)malloc(sizeof(float) * (size_t)n * (size_t)c->config->vocab_size);
        if (!*mlm) { fprintf(stderr, "albert-cli: out of memory\n"); return -1; }
        outs.mlm_logits = *mlm;
    }
    outs.sop_logits = sop;
    outs.class_logits = cls;
    if (albert_encode_batch(c->ctx, &batch, &outs) != ALBERT_OK) {
        fprintf(stderr, "albert-cli: %s\n", albert_context_last_error(c->ctx));
        return -1;
    }
    return 0;
}

static int cmd_fill_mask(int argc, char **argv)
{
    cli c;
    int32_t *ids = NULL, *types = NULL;
    float *logits = NULL;
    int n, i, j, k = 5, found = 0, rc = 1, top[64];
    if (argc != 4 && !(argc == 6 && !strcmp(argv[4], "--top"))) { usage(); return 2; }
    if (argc == 6) k = atoi(argv[5]);
    if (k < 1 || k > 64) { fprintf(stderr, "albert-cli: --top must be 1..64\n"); return 2; }
    if (open_model(&c, argv[2], 0, 1)) return 1;
    if (!c.config->has_mlm) { fprintf(stderr, "albert-cli: %s has no masked-LM head\n", argv[2]); goto done; }
    if ((n = tokenize(&c, argv[3], NULL, &ids, &types, NULL)) < 0) goto done;
    if (run_heads(&c, ids, types, n, &logits, NULL, NULL)) goto done;
    for (i = 0; i < n; i++) {
        float *row;
        if (ids[i] != c.config->mask_id) continue;
        found++;
        row = logits + (size_t)i * c.config->vocab_size;
        softmax(row, c.config->vocab_size);
        top_k(row, c.config->vocab_size, k, top);
        printf("mask at token %d:\n", i);
        for (j = 0; j < k; j++) {
            printf("  %8.5f  %6d  ", (double)row[top[j]], top[j]);
            print_piece(c.model, top[j]);
            printf("\n");
        }
    }
    if (!found) { fprintf(stderr, "albert-cli: the text has no [MASK]\n"); goto done; }
    rc = 0;
done:
    free(ids);
    free(types);
    free(logits);
    close_model(&c);
    return rc;
}

static int cmd_sop(int argc, char **argv)
{
    cli c;
    int32_t *ids = NULL, *types = NULL;
    float logits[2];
    int n, rc = 1;
    if (argc != 5) { usage(); return 2; }
    if (open_model(&c, argv[2], 0, 1)) return 1;
    if (!c.config->has_sop) { fprintf(stderr, "albert-cli: %s has no sentence-order head\n", argv[2]); goto done; }
    if ((n = tokenize(&c, argv[3], argv[4], &ids, &types, NULL)) < 0) goto done;
    if (run_heads(&c, ids, types, n, NULL, logits, NULL)) goto done;
    printf("logits %.6g %.6g\n", (double)logits[0], (double)logits[1]);
    softmax(logits, 2);
    printf("in order (label 0): %.5f\nswapped  (label 1): %.5f\n", (double)logits[0], (double)logits[1]);
    rc = 0;
done:
    free(ids);
    free(types);
    close_model(&c);
    return rc;
}

static int cmd_classify(int argc, char **argv)
{
    cli c;
    int32_t *ids = NULL, *types = NULL;
    float *logits = NULL;
    int n, i, rc = 1;
    if (argc != 4) { usage(); return 2; }
    if (open_model(&c, argv[2], 0, 1)) return 1;
    if (!c.config->has_classifier) { fprintf(stderr, "albert-cli: %s has no classifier head\n", argv[2]); goto done; }
    if ((n = tokenize(&c, argv[3], NULL, &ids, &types, NULL)) < 0) goto done;
    logits = (float *)malloc(sizeof(float) * (size_t)c.config->num_labels);
    if (!logits || run_heads(&c, ids, types, n, NULL, NULL, logits)) goto done;
    softmax(logits, c.config->num_labels);
    for (i = 0; i < c.config->num_labels; i++) {
        const char *label = albert_label_name(c.model, i);
        printf("%8.5f  %s\n", (double)logits[i], label ? label : "?");
    }
    rc = 0;
done:
    free(ids);
    free(types);
    free(logits);
    close_model(&c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) { usage(); return 2; }
    if (!strcmp(argv[1], "info")) return cmd_info(argc, argv);
    if (!strcmp(argv[1], "tokenize")) return cmd_tokenize(argc, argv);
    if (!strcmp(argv[1], "encode")) return cmd_encode(argc, argv);
    if (!strcmp(argv[1], "fill-mask")) return cmd_fill_mask(argc, argv);
    if (!strcmp(argv[1], "sop")) return cmd_sop(argc, argv);
    if (!strcmp(argv[1], "classify")) return cmd_classify(argc, argv);
    usage();
    return 2;
}
