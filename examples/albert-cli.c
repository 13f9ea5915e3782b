/* albert-cli - an albert.h model file from the command line: inspect, tokenize, encode, embed a corpus, search.

     albert-cli info MODEL
     albert-cli tokenize MODEL [TEXT|-] [PAIR]
     albert-cli encode MODEL (--ids 2,48,25,3 | --text TEXT | --file PATH) [options]
     albert-cli embed MODEL [FILE|-] [options]           one vector per line of FILE, in batches
     albert-cli search MODEL QUERY FILE [--top K]        FILE's lines ranked by cosine similarity to QUERY
     albert-cli fill-mask MODEL TEXT [--top K]
     albert-cli sop MODEL TEXT_A TEXT_B
     albert-cli classify MODEL TEXT [PAIR] [--json]
     albert-cli qa MODEL QUESTION CONTEXT [--top K] [--json]
     albert-cli ner MODEL TEXT [--aggregation none|simple] [--json]
     albert-cli choose MODEL PROMPT CHOICE... [--json]
     albert-cli logits MODEL --ids IDS [--type-ids IDS] --out FILE    (--ids once per choice for multiple choice)

   `albert-cli COMMAND --help` describes each command. Exit status: 0 success, 1 a failure (file, model, input),
   2 a usage error (unknown option, bad or repeated value, wrong number of arguments).

   Every subcommand parses its arguments with parse_args() below: a table of options (flags, strings, integers
   with a range), each given at most once; `--name value` or `--name=value`; `--` ends the options; `-` is a
   positional argument (standard input). */
#define _POSIX_C_SOURCE 200809L   /* isatty, fileno, clock_gettime */
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include "../tools/json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLI_NAME "albert-cli"

/* ================================================================ strict option parser */

typedef enum opt_kind { OPT_FLAG, OPT_STRING, OPT_INT } opt_kind;

typedef struct cli_option {
    const char *name;      /* "--layer" */
    opt_kind kind;
    long min, max;         /* OPT_INT: the accepted range */
    void *value;           /* OPT_FLAG: int * (set to 1); OPT_STRING: const char **; OPT_INT: int * */
    int seen;              /* set by parse_args */
} cli_option;

#define OPT_FLAG_(name, p) { name, OPT_FLAG, 0, 0, p, 0 }
#define OPT_STR_(name, p) { name, OPT_STRING, 0, 0, p, 0 }
#define OPT_INT_(name, lo, hi, p) { name, OPT_INT, lo, hi, p, 0 }

typedef struct cli_command {
    const char *name;        /* "encode" */
    const char *usage;       /* the --help text (first line: the synopsis) */
    cli_option *options;
    int n_options;
    const char **positional; /* out: the positional arguments */
    int min_positional, max_positional;
    int n_positional;        /* out */
} cli_command;

/* Parses s as a base-10 integer in [min, max]: the whole string, no spaces, no overflow. 0, or -1 with a
   message. */
static int parse_integer(const char *cmd, const char *what, const char *s, long min, long max, long *out)
{
    char *end;
    long v;
    if (*s == 0 || !(s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))) {
        fprintf(stderr, CLI_NAME " %s: %s: \"%s\" is not an integer\n", cmd, what, s);
        return -1;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != 0) {
        fprintf(stderr, CLI_NAME " %s: %s: \"%s\" is not an integer\n", cmd, what, s);
        return -1;
    }
    if (errno == ERANGE || v < min || v > max) {
        fprintf(stderr, CLI_NAME " %s: %s: %s is out of range (%ld..%ld)\n", cmd, what, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static void print_synopsis(const cli_command *c)
{
    const char *nl = strchr(c->usage, '\n');
    fprintf(stderr, "%.*s\n", nl ? (int)(nl - c->usage) : (int)strlen(c->usage), c->usage);
}

/* Parses argv[first..argc). Returns 0 (parsed), 1 (--help printed to stdout: exit 0) or 2 (a message printed to
   stderr: exit 2). */
static int parse_args(cli_command *c, int argc, char **argv, int first)
{
    int i, j, only_positional = 0;
    c->n_positional = 0;
    for (j = 0; j < c->n_options; j++) c->options[j].seen = 0;
    for (i = first; i < argc; i++) {
        const char *a = argv[i], *value = NULL, *eq;
        size_t name_len;
        cli_option *o = NULL;
        if (only_positional || a[0] != '-' || a[1] == 0) {   /* "-" is standard input */
            if (c->n_positional >= c->max_positional) {
                fprintf(stderr, CLI_NAME " %s: unexpected argument \"%s\"\n", c->name, a);
                print_synopsis(c);
                return 2;
            }
            c->positional[c->n_positional++] = a;
            continue;
        }
        if (!strcmp(a, "--")) { only_positional = 1; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(c->usage, stdout);
            return 1;
        }
        eq = strchr(a, '=');
        name_len = eq ? (size_t)(eq - a) : strlen(a);
        for (j = 0; j < c->n_options; j++)
            if (strlen(c->options[j].name) == name_len && !strncmp(c->options[j].name, a, name_len)) o = &c->options[j];
        if (!o) {
            fprintf(stderr, CLI_NAME " %s: unknown option %.*s (see " CLI_NAME " %s --help)\n", c->name, (int)name_len, a,
                    c->name);
            return 2;
        }
        if (o->seen) {
            fprintf(stderr, CLI_NAME " %s: %s given more than once\n", c->name, o->name);
            return 2;
        }
        o->seen = 1;
        if (o->kind == OPT_FLAG) {
            if (eq) { fprintf(stderr, CLI_NAME " %s: %s takes no value\n", c->name, o->name); return 2; }
            *(int *)o->value = 1;
            continue;
        }
        if (eq) value = eq + 1;
        else if (i + 1 < argc) value = argv[++i];
        else { fprintf(stderr, CLI_NAME " %s: %s needs a value\n", c->name, o->name); return 2; }
        if (o->kind == OPT_STRING) {
            *(const char **)o->value = value;
        } else {
            long v;
            if (parse_integer(c->name, o->name, value, o->min, o->max, &v) != 0) return 2;
            *(int *)o->value = (int)v;
        }
    }
    if (c->n_positional < c->min_positional) {
        fprintf(stderr, CLI_NAME " %s: missing arguments\n", c->name);
        print_synopsis(c);
        return 2;
    }
    return 0;
}

/* parse_args for a subcommand whose arguments start at argv[2]; `return` its result unless 0. */
#define PARSE_OR_RETURN(cmd, argc, argv)                                  \
    do {                                                                  \
        int parse_result_ = parse_args(&(cmd), (argc), (argv), 2);        \
        if (parse_result_ == 1) return 0;                                 \
        if (parse_result_ != 0) return 2;                                 \
    } while (0)

/* ================================================================ input text */

/* A malloc'd, NUL-terminated buffer. */
typedef struct text_buf {
    char *data;
    size_t len;
} text_buf;

/* Reads a whole file ("-" = standard input) into *out. 0, or -1 with a message naming the file and the reason. */
static int read_all(const char *path, text_buf *out)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    const char *name = strcmp(path, "-") ? path : "standard input";
    size_t cap = 1 << 16, n = 0, got;
    char *buf;
    out->data = NULL;
    out->len = 0;
    if (!f) {
        fprintf(stderr, CLI_NAME ": %s: cannot open (%s)\n", path, strerror(errno));
        return -1;
    }
    buf = (char *)malloc(cap + 1);
    for (;;) {
        if (!buf) { fprintf(stderr, CLI_NAME ": %s: out of memory\n", name); break; }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        if (cap > ((size_t)-1) / 4) { free(buf); buf = NULL; continue; }
        {
            char *bigger = (char *)realloc(buf, cap * 2 + 1);
            if (!bigger) free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) {
        fprintf(stderr, CLI_NAME ": %s: cannot read (%s)\n", name, strerror(errno));
        free(buf);
        buf = NULL;
    }
    if (f != stdin) fclose(f);
    if (!buf) return -1;
    buf[n] = 0;
    out->data = buf;
    out->len = n;
    return 0;
}

/* The text of a command: TEXT itself, or (TEXT "-" or --file PATH) the contents of stdin / PATH without one
   trailing newline. 0, 1 (failure) or 2 (usage). */
static int take_text(const char *cmd, const char *what, const char *arg, const char *file, text_buf *out)
{
    out->data = NULL;
    out->len = 0;
    if (arg && file) {
        fprintf(stderr, CLI_NAME " %s: give the %s as an argument or with a file option, not both\n", cmd, what);
        return 2;
    }
    if (!arg && !file) { fprintf(stderr, CLI_NAME " %s: no %s given\n", cmd, what); return 2; }
    if (arg && strcmp(arg, "-")) {
        out->len = strlen(arg);
        out->data = (char *)malloc(out->len + 1);
        if (!out->data) { fprintf(stderr, CLI_NAME ": out of memory\n"); return 1; }
        memcpy(out->data, arg, out->len + 1);
        return 0;
    }
    if (read_all(file ? file : "-", out) != 0) return 1;
    if (out->len && out->data[out->len - 1] == '\n') out->data[--out->len] = 0;
    if (out->len && out->data[out->len - 1] == '\r') out->data[--out->len] = 0;
    return 0;
}

/* ================================================================ model */

typedef struct cli {
    albert_model *model;
    albert_context *ctx;
    const albert_config *config;
    const char *path;
} cli;

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

/* Loads the model; with need_context > 0 also a context for that many tokens per call (1: the model's
   max_position_embeddings). 0, or -1 with a message. */
static int open_model(cli *c, const char *path, int n_threads, int need_context)
{
    albert_error err;
    albert_context_params params = albert_context_default_params();
    albert_result r;
    memset(c, 0, sizeof *c);
    c->path = path;
    if (albert_model_load(path, &c->model, &err) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", err.message);
        return -1;
    }
    c->config = albert_model_config(c->model);
    if (!need_context) return 0;
    if (c->config->hidden_size == 0) {
        fprintf(stderr, CLI_NAME ": %s: the file holds only a tokenizer (no model to run)\n", path);
        albert_model_free(c->model);
        return -1;
    }
    params.n_threads = n_threads;
    if (need_context > 1) params.max_tokens = need_context;
    if ((r = albert_context_create(c->model, &params, &c->ctx)) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s: cannot create a context: %s\n", path, albert_result_string(r));
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

/* --layer K against the model: -L-1 .. L. 0, or 2 with a message. */
static int check_layer(const char *cmd, const cli *c, int layer)
{
    int L = c->config->num_hidden_layers;
    if (layer < -L - 1 || layer > L) {
        fprintf(stderr, CLI_NAME " %s: --layer: %d is outside %d..%d for %s (%d layers)\n", cmd, layer, -L - 1, L,
                c->path, L);
        return 2;
    }
    return 0;
}

/* Tokenizes text (+ pair) into freshly allocated ids / type ids (and offsets if asked), truncated to max_tokens
   (0 = no limit). Returns the count or -1 with a message. */
static int tokenize(cli *c, const text_buf *text, const text_buf *pair, int max_tokens, int32_t **ids, int32_t **types,
                    int32_t **offsets)
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
            free(t.ids);
            free(t.type_ids);
            free(t.offsets);
            fprintf(stderr, CLI_NAME ": out of memory\n");
            return -1;
        }
        r = albert_tokenize(c->model, text->data, text->len, pair ? pair->data : NULL, pair ? pair->len : 0, max_tokens,
                            &t);
        if (r != ALBERT_ERR_CAPACITY) break;
        free(t.ids);
        free(t.type_ids);
        free(t.offsets);
        capacity = t.n_tokens > capacity ? t.n_tokens : capacity * 2;
    }
    if (r != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s: cannot tokenize: %s\n", c->path, albert_result_string(r));
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

/* Flushes stdout; 0, or 1 with a message (a full disk, a closed pipe). */
static int finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, CLI_NAME ": cannot write the output (%s)\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* ================================================================ info */

static const char *head_name(albert_head head);

static int cmd_info(int argc, char **argv)
{
    const char *pos[1];
    cli_command cmd = { "info",
                        "usage: albert-cli info MODEL\n"
                        "\n"
                        "Prints the model file's configuration, heads and tokenizer.\n",
                        NULL, 0, pos, 1, 1, 0 };
    cli c;
    const albert_config *k;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (open_model(&c, pos[0], 1, 0)) return 1;
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
        if (k->architecture == ALBERT_ARCH_BRIGHTMART)
            printf("architecture brightmart albert_zh (%s)\n", k->pre_layer_norm ? "pre-LN" : "post-LN");
        printf("heads pooler=%s masked-lm=%s sentence-order=%s classifier=%s", k->has_pooler ? "yes" : "no",
               k->has_mlm ? "yes" : "no", k->has_sop ? "yes" : "no", k->has_classifier ? "yes" : "no");
        if (k->has_classifier) printf(" (%ld labels)", (long)k->num_labels);
        printf("\n");
        printf("task head %s", head_name(k->head));
        if (k->head == ALBERT_HEAD_SEQUENCE_CLASSIFICATION)
            printf(" (problem type %s)", k->problem_type == ALBERT_PROBLEM_REGRESSION     ? "regression"
                                         : k->problem_type == ALBERT_PROBLEM_SINGLE_LABEL ? "single_label"
                                         : k->problem_type == ALBERT_PROBLEM_MULTI_LABEL  ? "multi_label"
                                                                                          : "unspecified");
        printf("\n");
    }
    printf("tokenizer %s\n", k->tokenizer == ALBERT_TOKENIZER_SENTENCEPIECE ? "sentencepiece"
                             : k->tokenizer == ALBERT_TOKENIZER_WORDPIECE  ? "wordpiece"
                                                                           : "none");
    close_model(&c);
    return finish_stdout();
}

/* ================================================================ tokenize */

static int cmd_tokenize(int argc, char **argv)
{
    const char *pos[3], *file = NULL, *pair_file = NULL;
    int max_tokens = 0, n, i, rc;
    cli_option opts[] = { OPT_STR_("--file", &file), OPT_STR_("--pair-file", &pair_file),
                          OPT_INT_("--max-tokens", 0, INT32_MAX, &max_tokens) };
    cli_command cmd = { "tokenize",
                        "usage: albert-cli tokenize MODEL [TEXT|-] [PAIR] [--file PATH] [--pair-file PATH] [--max-tokens N]\n"
                        "\n"
                        "Prints the token ids (first line) and pieces (second line) of TEXT, or of the pair TEXT + PAIR,\n"
                        "as HuggingFace's tokenizer encode() gives them: [CLS] TEXT [SEP] (PAIR [SEP]).\n"
                        "\n"
                        "  TEXT, PAIR          the texts; \"-\" reads the text from standard input\n"
                        "  --file PATH         read TEXT from a file (\"-\": standard input); one trailing newline is dropped\n"
                        "  --pair-file PATH    read PAIR from a file\n"
                        "  --max-tokens N      truncate to at most N tokens, specials included (longest first for pairs,\n"
                        "                      as HF's truncation=True); 0 = no limit (default)\n",
                        opts, 3, pos, 1, 3, 0 };
    text_buf text, pair = { NULL, 0 };
    int32_t *ids = NULL, *types = NULL;
    cli c;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (max_tokens == 1 || (max_tokens == 2 && (cmd.n_positional == 3 || pair_file))) {
        fprintf(stderr, CLI_NAME " tokenize: --max-tokens: %d leaves no room for the text\n", max_tokens);
        return 2;
    }
    if (file && cmd.n_positional == 3) {
        fprintf(stderr, CLI_NAME " tokenize: with --file, the pair comes from --pair-file\n");
        return 2;
    }
    if ((rc = take_text("tokenize", "text", cmd.n_positional >= 2 ? pos[1] : NULL, file, &text)) != 0) return rc;
    if ((cmd.n_positional == 3 || pair_file) &&
        (rc = take_text("tokenize", "pair", cmd.n_positional == 3 ? pos[2] : NULL, pair_file, &pair)) != 0) {
        free(text.data);
        return rc;
    }
    if (open_model(&c, pos[0], 1, 0)) { free(text.data); free(pair.data); return 1; }
    n = tokenize(&c, &text, pair.data ? &pair : NULL, max_tokens, &ids, &types, NULL);
    rc = 1;
    if (n >= 0) {
        for (i = 0; i < n; i++) printf("%s%ld", i ? " " : "", (long)ids[i]);
        printf("\n");
        for (i = 0; i < n; i++) {
            if (i) printf(" ");
            print_piece(c.model, ids[i]);
        }
        printf("\n");
        rc = finish_stdout();
    }
    free(ids);
    free(types);
    free(text.data);
    free(pair.data);
    close_model(&c);
    return rc;
}

/* ================================================================ encode */

/* Parses "1,2,3" (commas or spaces) into a malloc'd array; returns the count or -1. */
static int parse_ids(const char *s, int32_t **out)
{
    int n = 0, cap = 16;
    const char *p = s;
    int32_t *ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)cap);
    if (!ids) return -1;
    for (;;) {
        char *end;
        long v;
        while (*p == ' ' || *p == '\t') p++;
        if (!(*p == '-' || (*p >= '0' && *p <= '9'))) break;
        errno = 0;
        v = strtol(p, &end, 10);
        if (end == p || errno || v < INT32_MIN || v > INT32_MAX) break;
        if (n == cap) {
            int32_t *bigger = (int32_t *)realloc(ids, sizeof(int32_t) * (size_t)cap * 2);
            if (!bigger) break;
            ids = bigger;
            cap *= 2;
        }
        ids[n++] = (int32_t)v;
        p = end;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == 0) { *out = ids; return n; }
        if (*p == ',') p++;
    }
    free(ids);
    return -1;
}

static int write_floats(const char *path, const float *a, size_t n, const float *b, size_t nb)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) { fprintf(stderr, CLI_NAME ": %s: cannot open for writing (%s)\n", path, strerror(errno)); return 1; }
    ok = fwrite(a, sizeof(float), n, f) == n;
    if (ok && b) ok = fwrite(b, sizeof(float), nb, f) == nb;
    if (fclose(f) != 0) ok = 0;
    if (!ok) { fprintf(stderr, CLI_NAME ": %s: cannot write (%s)\n", path, strerror(errno)); return 1; }
    return 0;
}

static int cmd_encode(int argc, char **argv)
{
    const char *pos[1], *ids_arg = NULL, *types_arg = NULL, *text_arg = NULL, *pair_arg = NULL, *file = NULL,
                       *pair_file = NULL, *out_path = NULL;
    int layer = -1, pooled = 0, sentence = 0, threads = 0, max_tokens = 0, n = 0, i, j, rc = 1, H;
    cli_option opts[] = { OPT_STR_("--ids", &ids_arg),         OPT_STR_("--type-ids", &types_arg),
                          OPT_STR_("--text", &text_arg),       OPT_STR_("--text-pair", &pair_arg),
                          OPT_STR_("--file", &file),           OPT_STR_("--pair-file", &pair_file),
                          OPT_INT_("--layer", -1000000, 1000000, &layer), OPT_FLAG_("--pooled", &pooled),
                          OPT_STR_("--out", &out_path),        OPT_INT_("--threads", 0, 256, &threads),
                          OPT_INT_("--max-tokens", 0, INT32_MAX, &max_tokens), OPT_FLAG_("--sentence", &sentence) };
    cli_command cmd = { "encode",
                        "usage: albert-cli encode MODEL (--ids IDS [--type-ids IDS] | --text TEXT | --file PATH)\n"
                        "                         [--text-pair TEXT | --pair-file PATH] [--layer K] [--pooled]\n"
                        "                         [--max-tokens N] [--out FILE] [--threads N]\n"
                        "\n"
                        "Runs the encoder on one input and prints its hidden states, one line of H numbers per token.\n"
                        "\n"
                        "  --ids IDS           token ids, e.g. 2,48,25,3 (commas or spaces); no tokenizer needed\n"
                        "  --type-ids IDS      token-type ids, as many as --ids (default all 0)\n"
                        "  --text TEXT         a text, tokenized with the model file's tokenizer (\"-\": standard input)\n"
                        "  --file PATH         the text from a file (\"-\": standard input); one trailing newline dropped\n"
                        "  --text-pair TEXT, --pair-file PATH   a second segment (token type 1)\n"
                        "  --max-tokens N      truncate the text (pair: longest first) to N tokens; 0 = up to the\n"
                        "                      model's max_position_embeddings (default; longer inputs are an error)\n"
                        "  --layer K           which layer: 0 = the embeddings after the E->H projection, 1..L after\n"
                        "                      layer k, negative from the end (-1 = last, the default; -L-1 = 0)\n"
                        "  --pooled            also print the pooler output (tanh(W h[CLS] + b), as HF's pooler_output)\n"
                        "  --sentence          print (or --out: write) only the sentence vector [H] of the model file's\n"
                        "                      default pooling (sentence-transformers' pooling / normalization; mean\n"
                        "                      over the tokens when the file says nothing), of the last layer\n"
                        "  --out FILE          write raw little-endian float32 instead of text: the [tokens x H] hidden\n"
                        "                      states row-major, then (with --pooled) the H pooled values\n"
                        "  --threads N         worker threads (0 = one per online core, the default)\n",
                        opts, 12, pos, 1, 1, 0 };
    int32_t *ids = NULL, *types = NULL;
    float *hidden = NULL, *pool = NULL;
    text_buf text = { NULL, 0 }, pair = { NULL, 0 };
    albert_batch batch;
    albert_outputs outs;
    cli c;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (!!ids_arg + !!text_arg + !!file != 1) {
        fprintf(stderr, CLI_NAME " encode: give exactly one of --ids, --text, --file\n");
        return 2;
    }
    if (ids_arg && (pair_arg || pair_file || max_tokens)) {
        fprintf(stderr, CLI_NAME " encode: --ids takes no pair and no --max-tokens\n");
        return 2;
    }
    if (types_arg && !ids_arg) { fprintf(stderr, CLI_NAME " encode: --type-ids goes with --ids\n"); return 2; }
    if (pair_arg && pair_file) { fprintf(stderr, CLI_NAME " encode: give --text-pair or --pair-file, not both\n"); return 2; }
    if (max_tokens == 1 || (max_tokens == 2 && (pair_arg || pair_file))) {
        fprintf(stderr, CLI_NAME " encode: --max-tokens: %d leaves no room for the text\n", max_tokens);
        return 2;
    }
    if (ids_arg) {
        int n_types;
        if ((n = parse_ids(ids_arg, &ids)) < 0) { fprintf(stderr, CLI_NAME " encode: --ids: \"%s\" is not a list of integers\n", ids_arg); return 2; }
        if (types_arg && (n_types = parse_ids(types_arg, &types)) != n) {
            fprintf(stderr, CLI_NAME " encode: --type-ids must be a list of as many integers as --ids\n");
            free(ids);
            free(types);
            return 2;
        }
    } else {
        if ((rc = take_text("encode", "text", text_arg, file, &text)) != 0) return rc;
        if ((pair_arg || pair_file) && (rc = take_text("encode", "pair", pair_arg, pair_file, &pair)) != 0) {
            free(text.data);
            return rc;
        }
        rc = 1;
    }
    if (open_model(&c, pos[0], threads, 1)) goto early;
    if ((rc = check_layer("encode", &c, layer)) != 0) goto done;
    rc = 1;
    if (!ids_arg) {
        int limit = c.config->max_position_embeddings;
        if (max_tokens && max_tokens < limit) limit = max_tokens;
        if (c.config->tokenizer == ALBERT_TOKENIZER_NONE) {
            fprintf(stderr, CLI_NAME ": %s has no tokenizer (use --ids)\n", pos[0]);
            goto done;
        }
        if ((n = tokenize(&c, &text, pair.data ? &pair : NULL, max_tokens ? limit : 0, &ids, &types, NULL)) < 0) goto done;
    }
    H = c.config->hidden_size;
    hidden = (float *)malloc(sizeof(float) * ((size_t)n + 1) * (size_t)H);
    pool = (float *)malloc(sizeof(float) * (size_t)H);
    if (!hidden || !pool) { fprintf(stderr, CLI_NAME ": out of memory\n"); goto done; }
    memset(&batch, 0, sizeof batch);
    memset(&outs, 0, sizeof outs);
    batch.batch_size = 1;
    batch.seq_len = n;
    batch.input_ids = ids;
    batch.token_type_ids = types;
    outs.layer = layer;
    outs.hidden = hidden;
    outs.pooled = pooled ? pool : NULL;
    if (sentence) {   /* the model file's default sentence vector instead of the hidden states */
        if (pooled || layer != -1) {
            fprintf(stderr, CLI_NAME " encode: --sentence takes no --pooled and no --layer\n");
            rc = 2;
            goto done;
        }
        outs.hidden = NULL;
        outs.sentence = pool;
        outs.pooling = ALBERT_POOLING_DEFAULT;
    }
    if (albert_encode_batch(c.ctx, &batch, &outs) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
        goto done;
    }
    if (sentence) {
        if (out_path) {
            rc = write_floats(out_path, pool, (size_t)H, NULL, 0);
        } else {
            for (j = 0; j < H; j++) printf(j ? " %.6g" : "%.6g", (double)pool[j]);
            printf("\n");
            rc = finish_stdout();
        }
    } else if (out_path) {
        rc = write_floats(out_path, hidden, (size_t)n * (size_t)H, pooled ? pool : NULL, (size_t)H);
    } else {
        for (i = 0; i < n; i++) {
            for (j = 0; j < H; j++) printf(j ? " %.6g" : "%.6g", (double)hidden[(size_t)i * H + j]);
            printf("\n");
        }
        if (pooled) {
            printf("pooled:");
            for (j = 0; j < H; j++) printf(" %.6g", (double)pool[j]);
            printf("\n");
        }
        rc = finish_stdout();
    }
done:
    close_model(&c);
early:
    free(ids);
    free(types);
    free(hidden);
    free(pool);
    free(text.data);
    free(pair.data);
    return rc;
}

/* ================================================================ embed: a corpus, one vector per line */

/* The lines of an input: the whole text in memory, each '\n' replaced by a NUL (so every line is also a C
   string); a '\r' before the '\n' is dropped; a last line without '\n' counts, an empty input has no lines. */
typedef struct corpus {
    text_buf data;
    size_t n;
    char **line;
    size_t *len;
} corpus;

static void corpus_free(corpus *k)
{
    free(k->data.data);
    free(k->line);
    free(k->len);
    memset(k, 0, sizeof *k);
}

/* Reads PATH ("-" = standard input) into lines. 0, or 1 with a message. */
static int corpus_read(const char *path, corpus *k)
{
    size_t i, n = 0, start = 0;
    memset(k, 0, sizeof *k);
    if (read_all(path, &k->data) != 0) return 1;
    for (i = 0; i < k->data.len; i++) n += k->data.data[i] == '\n';
    if (k->data.len && k->data.data[k->data.len - 1] != '\n') n++;
    k->line = (char **)malloc(sizeof(char *) * (n + 1));
    k->len = (size_t *)malloc(sizeof(size_t) * (n + 1));
    if (!k->line || !k->len) { fprintf(stderr, CLI_NAME ": %s: out of memory\n", path); corpus_free(k); return 1; }
    for (i = 0; i <= k->data.len; i++) {
        if (i < k->data.len && k->data.data[i] != '\n') continue;
        if (i == k->data.len && start == i) break;   /* nothing after the last '\n' */
        k->data.data[i] = 0;
        k->line[k->n] = k->data.data + start;
        k->len[k->n] = i - start;
        if (k->len[k->n] && k->line[k->n][k->len[k->n] - 1] == '\r') k->line[k->n][--k->len[k->n]] = 0;
        k->n++;
        start = i + 1;
    }
    return 0;
}

typedef enum vec_format { FORMAT_TEXT, FORMAT_JSONL, FORMAT_NPY, FORMAT_F32 } vec_format;

/* What embed (and search) compute for each line. */
typedef struct embed_settings {
    int pooling;              /* an albert_pooling value */
    int normalize;            /* --normalize */
    int layer;                /* --layer */
    int max_tokens;           /* --max-tokens; 0 = the model's (max_seq_length for its default pooling, else
                                 max_position_embeddings) */
    int batch;                /* texts per albert_encode_batch call, at most */
    int batch_tokens;         /* tokens per call (batch x longest), at most */
    int threads;
    int ids_input;            /* --ids: each line holds token ids */
    const char *jsonl_field;  /* --jsonl FIELD: each line is a JSON object, the text is its string FIELD */
    int sort;                 /* sort each window by length (fewer padded slots per call) */
    int progress;             /* a progress line on stderr */
} embed_settings;

/* Called with consecutive rows of vectors, in input order. 0, or 1 (stop). */
typedef int (*embed_sink)(void *user, const float *rows, size_t n_rows);

typedef struct embedder {
    cli *c;
    const embed_settings *s;
    const char *input_name;   /* for messages */
    int limit;                /* tokens per text after truncation */
    size_t truncated;         /* texts cut to `limit` */
    int32_t *tok;             /* the window's token ids, text after text */
    size_t tok_cap;
    size_t *tok_first;        /* [window] where each text's ids start in tok */
    int32_t *tok_len;         /* [window] */
    int *order;               /* [window] processing order */
    int32_t *ids, *mask;      /* [batch_tokens] one call's padded batch */
    float *vecs;              /* [batch x H] one call's vectors */
    float *out;               /* [window x H] the window's vectors, input order */
    int32_t *scratch;         /* [limit + 1] tokenizer output */
} embedder;

/* Default token budget of one call: enough tokens that the matrix products run at full speed, small enough that
   the context's activations stay modest (4 T (E + 5 H) bytes: 65 MB for albert-base). */
#define EMBED_BATCH_TOKENS 4096
#define EMBED_WINDOW 1024

static int embed_init(embedder *e, cli *c, const embed_settings *s, const char *input_name)
{
    const albert_config *k = c->config;
    int H = k->hidden_size, window = EMBED_WINDOW;
    memset(e, 0, sizeof *e);
    e->c = c;
    e->s = s;
    e->input_name = input_name;
    e->limit = k->max_position_embeddings;
    if (s->pooling == ALBERT_POOLING_DEFAULT && k->max_seq_length > 0 && k->max_seq_length < e->limit)
        e->limit = k->max_seq_length;
    if (s->max_tokens > 0 && s->max_tokens < e->limit) e->limit = s->max_tokens;
    e->tok_cap = (size_t)window * 16;
    e->tok = (int32_t *)malloc(sizeof(int32_t) * e->tok_cap);
    e->tok_first = (size_t *)malloc(sizeof(size_t) * (size_t)window);
    e->tok_len = (int32_t *)malloc(sizeof(int32_t) * (size_t)window);
    e->order = (int *)malloc(sizeof(int) * (size_t)window);
    e->ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)s->batch_tokens);
    e->mask = (int32_t *)malloc(sizeof(int32_t) * (size_t)s->batch_tokens);
    e->vecs = (float *)malloc(sizeof(float) * (size_t)s->batch * (size_t)H);
    e->out = (float *)malloc(sizeof(float) * (size_t)window * (size_t)H);
    e->scratch = (int32_t *)malloc(sizeof(int32_t) * ((size_t)e->limit + 1));
    if (!e->tok || !e->tok_first || !e->tok_len || !e->order || !e->ids || !e->mask || !e->vecs || !e->out || !e->scratch) {
        fprintf(stderr, CLI_NAME ": out of memory\n");
        return 1;
    }
    return 0;
}

static void embed_free(embedder *e)
{
    free(e->tok);
    free(e->tok_first);
    free(e->tok_len);
    free(e->order);
    free(e->ids);
    free(e->mask);
    free(e->vecs);
    free(e->out);
    free(e->scratch);
    memset(e, 0, sizeof *e);
}

/* The ids of one text (line number `line_no` for messages) into e->scratch; returns the count or -1. */
static int embed_tokenize(embedder *e, const char *text, size_t len, size_t line_no)
{
    albert_tokens t;
    albert_result r;
    memset(&t, 0, sizeof t);
    t.ids = e->scratch;
    t.capacity = e->limit + 1;
    if (e->s->ids_input) {
        int32_t *ids = NULL;
        int n = parse_ids(text, &ids), i;
        if (n <= 0) {
            fprintf(stderr, CLI_NAME ": %s: line %lu: %s\n", e->input_name, (unsigned long)line_no,
                    len ? "not a list of token ids" : "empty (a line of --ids input needs at least one id)");
            free(ids);
            return -1;
        }
        for (i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= e->c->config->vocab_size) {
                fprintf(stderr, CLI_NAME ": %s: line %lu: token id %ld is outside 0..%ld\n", e->input_name,
                        (unsigned long)line_no, (long)ids[i], (long)e->c->config->vocab_size - 1);
                free(ids);
                return -1;
            }
        }
        if (n > e->limit) { n = e->limit; e->truncated++; }
        for (i = 0; i < n; i++) e->scratch[i] = ids[i];
        free(ids);
        return n;
    }
    /* one token more than the limit tells whether the text was cut: then the last piece gives way to [SEP] */
    r = albert_tokenize(e->c->model, text, len, NULL, 0, e->limit + 1, &t);
    if (r != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s: line %lu: cannot tokenize: %s\n", e->input_name, (unsigned long)line_no,
                albert_result_string(r));
        return -1;
    }
    if (t.n_tokens > e->limit) {
        e->scratch[e->limit - 1] = e->c->config->sep_id;
        e->truncated++;
        return e->limit;
    }
    return t.n_tokens;
}

/* The text of line i of a --jsonl input: its string field. 0, or -1 with a message. */
static int embed_jsonl_text(const embedder *e, const corpus *k, size_t i, json_document *doc, const char **text,
                            size_t *len)
{
    char err[160];
    const json_value *v;
    if (json_parse(k->line[i], k->len[i], doc, err, sizeof err) != 0) {
        fprintf(stderr, CLI_NAME ": %s: line %lu: not valid JSON (%s)\n", e->input_name, (unsigned long)i + 1, err);
        return -1;
    }
    v = json_get(doc, json_root(doc), e->s->jsonl_field);
    if (json_root(doc)->type != JSON_OBJECT || !v || v->type != JSON_STRING) {
        fprintf(stderr, CLI_NAME ": %s: line %lu: no string field \"%s\"\n", e->input_name, (unsigned long)i + 1,
                e->s->jsonl_field);
        json_free(doc);
        return -1;
    }
    *text = v->string;
    *len = v->length;
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Longest first; equal lengths keep their order (a stable, deterministic order). */
static const int32_t *sort_lengths;
static int by_length(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (sort_lengths[x] != sort_lengths[y]) return sort_lengths[x] > sort_lengths[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Vectors of lines [first, first + n) into e->out (input order). 0, or 1 with a message. */
static int embed_window(embedder *e, const corpus *k, size_t first, int n)
{
    const albert_config *cfg = e->c->config;
    const embed_settings *s = e->s;
    int H = cfg->hidden_size, i, j, done = 0, pad = cfg->pad_id >= 0 ? cfg->pad_id : 0;   /* no tokenizer: -1 */
    size_t used = 0;
    for (i = 0; i < n; i++) {   /* tokenize the window */
        const char *text = k->line[first + i];
        size_t len = k->len[first + i];
        json_document doc;
        int m;
        if (s->jsonl_field && embed_jsonl_text(e, k, first + i, &doc, &text, &len) != 0) return 1;
        m = embed_tokenize(e, text, len, first + i + 1);
        if (s->jsonl_field) json_free(&doc);
        if (m < 0) return 1;
        if (used + (size_t)m > e->tok_cap) {
            size_t cap = (e->tok_cap + (size_t)m) * 2;
            int32_t *bigger = (int32_t *)realloc(e->tok, sizeof(int32_t) * cap);
            if (!bigger) { fprintf(stderr, CLI_NAME ": out of memory\n"); return 1; }
            e->tok = bigger;
            e->tok_cap = cap;
        }
        memcpy(e->tok + used, e->scratch, sizeof(int32_t) * (size_t)m);
        e->tok_first[i] = used;
        e->tok_len[i] = m;
        e->order[i] = i;
        used += (size_t)m;
    }
    if (s->sort) {
        sort_lengths = e->tok_len;
        qsort(e->order, (size_t)n, sizeof(int), by_length);
    }
    while (done < n) {   /* batches: up to s->batch texts and s->batch_tokens padded tokens */
        int count = 0, S = 0, b, t;
        albert_batch batch;
        albert_outputs outs;
        while (done + count < n && count < s->batch) {
            int len = e->tok_len[e->order[done + count]], S2 = len > S ? len : S;
            if (count > 0 && (long)(count + 1) * S2 > s->batch_tokens) break;
            S = S2;
            count++;
        }
        for (b = 0; b < count; b++) {
            int w = e->order[done + b], len = e->tok_len[w];
            for (t = 0; t < S; t++) {
                e->ids[(size_t)b * S + t] = t < len ? e->tok[e->tok_first[w] + t] : pad;
                e->mask[(size_t)b * S + t] = t < len;
            }
        }
        memset(&batch, 0, sizeof batch);
        memset(&outs, 0, sizeof outs);
        batch.batch_size = count;
        batch.seq_len = S;
        batch.input_ids = e->ids;
        batch.attention_mask = e->mask;
        batch.skip_padding = 1;
        outs.layer = s->layer;
        outs.sentence = e->vecs;
        outs.pooling = s->pooling;
        outs.normalize = s->normalize;
        if (albert_encode_batch(e->c->ctx, &batch, &outs) != ALBERT_OK) {
            fprintf(stderr, CLI_NAME ": %s: lines %lu..: %s\n", e->input_name, (unsigned long)first + 1,
                    albert_context_last_error(e->c->ctx));
            return 1;
        }
        for (b = 0; b < count; b++)
            for (j = 0; j < H; j++) e->out[(size_t)e->order[done + b] * H + j] = e->vecs[(size_t)b * H + j];
        done += count;
    }
    return 0;
}

/* Every line of k through the model, the vectors to sink in input order. 0, or 1 with a message. */
static int embed_corpus(embedder *e, const corpus *k, embed_sink sink, void *user)
{
    size_t first = 0;
    double start = now_seconds(), last_print = start;
    while (first < k->n) {
        int n = k->n - first < EMBED_WINDOW ? (int)(k->n - first) : EMBED_WINDOW;
        if (embed_window(e, k, first, n) != 0) return 1;
        if (sink(user, e->out, (size_t)n) != 0) return 1;
        first += (size_t)n;
        if (e->s->progress) {
            double t = now_seconds();
            if (t - last_print >= 0.25 || first == k->n) {
                double rate = (double)first / (t - start > 1e-9 ? t - start : 1e-9);
                double eta = (double)(k->n - first) / rate;
                fprintf(stderr, "\r" CLI_NAME ": %lu/%lu texts, %.0f texts/s, ETA %d:%02d   ", (unsigned long)first,
                        (unsigned long)k->n, rate, (int)(eta / 60), (int)eta % 60);
                last_print = t;
            }
        }
    }
    if (e->s->progress && k->n) fprintf(stderr, "\n");
    return 0;
}

/* ---------------------------------------------------------------- vector output */

typedef struct vec_writer {
    FILE *f;
    const char *name;         /* the file, for messages */
    vec_format format;
    size_t H, rows_written;
} vec_writer;

/* The .npy header (format 1.0) of a little-endian float32 [rows x H] array, padded to 64 bytes. */
static int write_npy_header(FILE *f, size_t rows, size_t H)
{
    char dict[128];
    unsigned char head[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lu, %lu), }",
                     (unsigned long)rows, (unsigned long)H);
    size_t total = 10 + (size_t)n + 1, padded = (total + 63) / 64 * 64, k;
    head[8] = (unsigned char)((padded - 10) & 0xFF);
    head[9] = (unsigned char)((padded - 10) >> 8);
    if (fwrite(head, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)n, f) != (size_t)n) return -1;
    for (k = total; k < padded; k++) if (fputc(' ', f) == EOF) return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int vec_write_rows(void *user, const float *rows, size_t n)
{
    vec_writer *w = (vec_writer *)user;
    size_t i, j;
    int ok = 1;
    if (w->format == FORMAT_NPY || w->format == FORMAT_F32) {
        ok = fwrite(rows, sizeof(float), n * w->H, w->f) == n * w->H;
    } else {
        for (i = 0; i < n && ok; i++) {
            const float *v = rows + i * w->H;
            if (w->format == FORMAT_JSONL) fprintf(w->f, "{\"index\": %lu, \"embedding\": [", (unsigned long)(w->rows_written + i));
            for (j = 0; j < w->H; j++)
                fprintf(w->f, w->format == FORMAT_JSONL ? (j ? ", %.7g" : "%.7g") : (j ? " %.7g" : "%.7g"), (double)v[j]);
            ok = fputs(w->format == FORMAT_JSONL ? "]}\n" : "\n", w->f) != EOF;
        }
    }
    w->rows_written += n;
    if (!ok || ferror(w->f)) {
        fprintf(stderr, CLI_NAME ": %s: cannot write (%s)\n", w->name, strerror(errno));
        return 1;
    }
    return 0;
}

/* Parses --pooling / --format names. */
static int parse_pooling(const char *cmd, const char *v, int *pooling)
{
    static const char *names[] = { "mean", "cls", "pooler", "max", "mean-sqrt-len", "default" };
    int i;
    for (i = 0; i < 6; i++)
        if (!strcmp(v, names[i])) { *pooling = i; return 0; }   /* the albert_pooling values 0..5 in order */
    fprintf(stderr, CLI_NAME " %s: --pooling must be default, mean, cls, pooler, max or mean-sqrt-len, not \"%s\"\n",
            cmd, v);
    return 2;
}

static const char embed_usage[] =
    "usage: albert-cli embed MODEL [FILE|-] [--jsonl FIELD | --ids] [--pooling P] [--normalize] [--layer K]\n"
    "                        [--max-tokens N] [--batch N] [--batch-tokens N] [--no-sort] [--threads N]\n"
    "                        [--format text|jsonl|npy|f32] [--out PATH]\n"
    "\n"
    "One sentence vector per line of FILE (default / \"-\": standard input), in batches through\n"
    "albert_encode_batch (padding skipped). Row i of the output is line i of the input, always.\n"
    "\n"
    "input:\n"
    "  FILE                one text per line, UTF-8 ('\\n' ends a line; a '\\r' before it is dropped; a last line\n"
    "                      without '\\n' counts). An empty line is the empty text: its vector is that of\n"
    "                      [CLS] [SEP]. Invalid UTF-8 bytes are read as U+FFFD, as by albert_tokenize.\n"
    "  --jsonl FIELD       each line is a JSON object; the text is its string member FIELD (a line that is not\n"
    "                      such an object is an error, with its line number: rows never shift)\n"
    "  --ids               each line holds token ids (2,48,25,3 or 2 48 25 3), used as they are\n"
    "  --max-tokens N      truncate each text to N tokens, [CLS] and [SEP] included (--ids: the first N ids);\n"
    "                      default: the model's max_seq_length with the default pooling, else\n"
    "                      max_position_embeddings. The number of truncated lines goes to stderr.\n"
    "vector:\n"
    "  --pooling P         default (the model file's own pooling and normalization; mean if it says nothing),\n"
    "                      mean (over the tokens), cls (the first token), pooler (tanh(W h[CLS] + b)),\n"
    "                      max, mean-sqrt-len\n"
    "  --normalize         scale every vector to unit length\n"
    "  --layer K           pool layer K: 0 = embeddings, 1..L, negative from the end (default -1 = last)\n"
    "speed:\n"
    "  --batch N           at most N texts per call (1..4096, default 32)\n"
    "  --batch-tokens N    at most N tokens per call, padding included (default 4096; at least the longest text)\n"
    "  --no-sort           keep the input order inside each window of 1024 lines (default: longest first,\n"
    "                      fewer padded slots; the output order is the input order either way)\n"
    "  --threads N         worker threads (0 = one per online core, the default)\n"
    "output (to standard output or --out PATH):\n"
    "  --format text       one line of H numbers per input line (default)\n"
    "  --format jsonl      {\"index\": i, \"embedding\": [...]} per line\n"
    "  --format npy        a NumPy .npy file, float32 [lines x H] (numpy.load reads it)\n"
    "  --format f32        raw little-endian float32, [lines x H] row-major\n"
    "A progress line (texts done, texts/s, ETA) goes to stderr when stderr is a terminal.\n";

/* The options embed and search share. */
typedef struct embed_args {
    const char *pooling, *jsonl, *format, *out;
    int normalize, layer, max_tokens, batch, batch_tokens, no_sort, threads, ids;
} embed_args;

/* Settings from the parsed options, checked against the model. 0, or 2 with a message. */
static int embed_settings_from(const char *cmd, const embed_args *a, const cli *c, embed_settings *s)
{
    memset(s, 0, sizeof *s);
    s->pooling = ALBERT_POOLING_DEFAULT;
    if (a->pooling && parse_pooling(cmd, a->pooling, &s->pooling) != 0) return 2;
    s->normalize = a->normalize;
    s->layer = a->layer;
    s->max_tokens = a->max_tokens;
    s->batch = a->batch;
    s->threads = a->threads;
    s->ids_input = a->ids;
    s->jsonl_field = a->jsonl;
    s->sort = !a->no_sort;
    if (check_layer(cmd, c, a->layer) != 0) return 2;
    if (a->max_tokens == 1 && !a->ids) {
        fprintf(stderr, CLI_NAME " %s: --max-tokens: 1 leaves no room for the text ([CLS] and [SEP] are 2)\n", cmd);
        return 2;
    }
    if (s->pooling == ALBERT_POOLING_POOLER && !c->config->has_pooler) {
        fprintf(stderr, CLI_NAME " %s: --pooling pooler: %s has no pooler\n", cmd, c->path);
        return 2;
    }
    return 0;
}

/* The context embed needs: room for the largest call. */
static int embed_open(const char *cmd, const char *path, const embed_args *a, cli *c, embed_settings *s)
{
    cli probe;
    int limit, budget, rc;
    if (open_model(&probe, path, 1, 0)) return 1;
    if (probe.config->hidden_size == 0) {
        fprintf(stderr, CLI_NAME ": %s: the file holds only a tokenizer (no model to run)\n", path);
        close_model(&probe);
        return 1;
    }
    if (!a->ids && probe.config->tokenizer == ALBERT_TOKENIZER_NONE) {
        fprintf(stderr, CLI_NAME ": %s has no tokenizer (give token ids with --ids)\n", path);
        close_model(&probe);
        return 1;
    }
    if ((rc = embed_settings_from(cmd, a, &probe, s)) != 0) { close_model(&probe); return rc; }
    limit = probe.config->max_position_embeddings;
    if (a->max_tokens > 0 && a->max_tokens < limit) limit = a->max_tokens;
    close_model(&probe);
    budget = a->batch_tokens;
    if (budget < limit) budget = limit;
    if ((long)a->batch * limit < budget) budget = a->batch * limit;
    s->batch_tokens = budget;
    return open_model(c, path, a->threads, budget) ? 1 : 0;
}

static int cmd_embed(int argc, char **argv)
{
    const char *pos[2];
    embed_args a = { NULL, NULL, NULL, NULL, 0, -1, 0, 32, EMBED_BATCH_TOKENS, 0, 0, 0 };
    cli_option opts[] = { OPT_STR_("--pooling", &a.pooling),          OPT_STR_("--jsonl", &a.jsonl),
                          OPT_STR_("--format", &a.format),            OPT_STR_("--out", &a.out),
                          OPT_FLAG_("--normalize", &a.normalize),     OPT_INT_("--layer", -1000000, 1000000, &a.layer),
                          OPT_INT_("--max-tokens", 0, INT32_MAX, &a.max_tokens), OPT_INT_("--batch", 1, 4096, &a.batch),
                          OPT_INT_("--batch-tokens", 1, 1 << 20, &a.batch_tokens), OPT_FLAG_("--no-sort", &a.no_sort),
                          OPT_INT_("--threads", 0, 256, &a.threads),  OPT_FLAG_("--ids", &a.ids) };
    cli_command cmd = { "embed", embed_usage, opts, 12, pos, 1, 2, 0 };
    embed_settings s;
    embedder e;
    vec_writer w;
    corpus k;
    cli c;
    int rc;
    PARSE_OR_RETURN(cmd, argc, argv);
    memset(&w, 0, sizeof w);
    w.format = FORMAT_TEXT;
    if (a.format) {
        if (!strcmp(a.format, "text")) w.format = FORMAT_TEXT;
        else if (!strcmp(a.format, "jsonl")) w.format = FORMAT_JSONL;
        else if (!strcmp(a.format, "npy")) w.format = FORMAT_NPY;
        else if (!strcmp(a.format, "f32")) w.format = FORMAT_F32;
        else { fprintf(stderr, CLI_NAME " embed: --format must be text, jsonl, npy or f32, not \"%s\"\n", a.format); return 2; }
    }
    if (a.jsonl && a.ids) { fprintf(stderr, CLI_NAME " embed: --jsonl and --ids exclude each other\n"); return 2; }
    if (a.jsonl && !*a.jsonl) { fprintf(stderr, CLI_NAME " embed: --jsonl needs a field name\n"); return 2; }
    if ((w.format == FORMAT_NPY || w.format == FORMAT_F32) && !a.out && isatty(fileno(stdout))) {
        fprintf(stderr, CLI_NAME " embed: --format %s is binary: redirect standard output or give --out PATH\n", a.format);
        return 2;
    }
    if ((rc = embed_open("embed", pos[0], &a, &c, &s)) != 0) return rc;
    s.progress = isatty(fileno(stderr));
    if (corpus_read(cmd.n_positional == 2 ? pos[1] : "-", &k) != 0) { close_model(&c); return 1; }
    w.H = (size_t)c.config->hidden_size;
    w.name = a.out ? a.out : "standard output";
    w.f = a.out ? fopen(a.out, "wb") : stdout;
    rc = 1;
    if (!w.f) {
        fprintf(stderr, CLI_NAME ": %s: cannot open for writing (%s)\n", a.out, strerror(errno));
    } else if (embed_init(&e, &c, &s, cmd.n_positional == 2 && strcmp(pos[1], "-") ? pos[1] : "standard input") == 0) {
        if (w.format == FORMAT_NPY && write_npy_header(w.f, k.n, w.H) != 0)
            fprintf(stderr, CLI_NAME ": %s: cannot write (%s)\n", w.name, strerror(errno));
        else if (embed_corpus(&e, &k, vec_write_rows, &w) == 0)
            rc = 0;
        if (e.truncated)
            fprintf(stderr, CLI_NAME " embed: %lu of %lu lines truncated to %d tokens\n", (unsigned long)e.truncated,
                    (unsigned long)k.n, e.limit);
        embed_free(&e);
    }
    if (w.f && w.f != stdout && fclose(w.f) != 0 && rc == 0) {
        fprintf(stderr, CLI_NAME ": %s: cannot write (%s)\n", a.out, strerror(errno));
        rc = 1;
    }
    if (rc == 0 && w.f == stdout) rc = finish_stdout();
    if (rc != 0 && a.out) remove(a.out);
    corpus_free(&k);
    close_model(&c);
    return rc;
}

/* ================================================================ search */

/* Vectors of every line into one array (search). */
typedef struct vec_store {
    float *v;
    size_t H, n;
} vec_store;

static int vec_store_rows(void *user, const float *rows, size_t n)
{
    vec_store *st = (vec_store *)user;
    memcpy(st->v + st->n * st->H, rows, sizeof(float) * n * st->H);
    st->n += n;
    return 0;
}

/* Reads vectors written by embed --format npy or f32: rows x H float32. 0, or 1 with a message. */
static int read_vectors(const char *path, size_t rows, size_t H, float *out)
{
    text_buf b;
    size_t data = 0, want = rows * H * sizeof(float);
    if (read_all(path, &b) != 0) return 1;
    if (b.len >= 10 && !memcmp(b.data, "\x93NUMPY", 6)) {
        char expect[128];
        size_t hl = b.data[6] == 1 ? (size_t)(unsigned char)b.data[8] | (size_t)(unsigned char)b.data[9] << 8 : 0;
        snprintf(expect, sizeof expect, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lu, %lu), }",
                 (unsigned long)rows, (unsigned long)H);
        data = 10 + hl;
        if (b.data[6] != 1 || data > b.len || hl < strlen(expect) || memcmp(b.data + 10, expect, strlen(expect))) {
            fprintf(stderr, CLI_NAME ": %s: not a float32 [%lu x %lu] .npy file as embed writes it for this input\n",
                    path, (unsigned long)rows, (unsigned long)H);
            free(b.data);
            return 1;
        }
    }
    if (b.len - data != want) {
        fprintf(stderr, CLI_NAME ": %s: %lu bytes of vectors, but %lu lines x %lu dimensions need %lu\n", path,
                (unsigned long)(b.len - data), (unsigned long)rows, (unsigned long)H, (unsigned long)want);
        free(b.data);
        return 1;
    }
    memcpy(out, b.data + data, want);
    free(b.data);
    return 0;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

static const double *sort_scores;
static int by_score(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_scores[x] != sort_scores[y]) return sort_scores[x] > sort_scores[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int cmd_search(int argc, char **argv)
{
    const char *pos[3], *vectors = NULL, *query_file = NULL;
    int top = 10;
    embed_args a = { NULL, NULL, NULL, NULL, 0, -1, 0, 32, EMBED_BATCH_TOKENS, 0, 0, 0 };
    cli_option opts[] = { OPT_STR_("--pooling", &a.pooling),          OPT_STR_("--vectors", &vectors),
                          OPT_STR_("--query-file", &query_file),      OPT_INT_("--top", 1, INT32_MAX, &top),
                          OPT_INT_("--layer", -1000000, 1000000, &a.layer),
                          OPT_INT_("--max-tokens", 0, INT32_MAX, &a.max_tokens), OPT_INT_("--batch", 1, 4096, &a.batch),
                          OPT_INT_("--threads", 0, 256, &a.threads) };
    cli_command cmd = { "search",
                        "usage: albert-cli search MODEL (QUERY|-|--query-file PATH) FILE [--top K] [--vectors PATH]\n"
                        "                         [--pooling P] [--layer K] [--max-tokens N] [--batch N] [--threads N]\n"
                        "\n"
                        "Semantic search: the lines of FILE (one text per line, as embed reads them) ranked by the\n"
                        "cosine similarity of their sentence vectors to QUERY's. Prints the best K (default 10) as\n"
                        "\"score<TAB>line number<TAB>line\", best first (equal scores: the earlier line first).\n"
                        "\n"
                        "  QUERY               the query text; \"-\" or --query-file PATH reads it (one trailing newline dropped)\n"
                        "  --vectors PATH      the lines' vectors saved by `albert-cli embed FILE --format npy` (or f32)\n"
                        "                      instead of embedding FILE again; they must come from the same --pooling,\n"
                        "                      --layer and --max-tokens (the query is embedded with these)\n"
                        "  --pooling, --layer, --max-tokens, --batch, --threads   as for embed\n",
                        opts, 8, pos, 2, 3, 0 };
    embed_settings s;
    embedder e;
    vec_store st = { NULL, 0, 0 };
    text_buf q;
    corpus k, qk;
    cli c;
    size_t i, *rank = NULL;
    double *score = NULL, qn;
    int rc;
    const char *file;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (query_file ? cmd.n_positional != 2 : cmd.n_positional != 3) {
        fprintf(stderr, CLI_NAME " search: give MODEL, the query (or --query-file) and FILE\n");
        return 2;
    }
    file = pos[cmd.n_positional - 1];
    if (!strcmp(file, "-") && ((query_file && !strcmp(query_file, "-")) || (!query_file && !strcmp(pos[1], "-")))) {
        fprintf(stderr, CLI_NAME " search: the query and FILE cannot both come from standard input\n");
        return 2;
    }
    if ((rc = take_text("search", "query", query_file ? NULL : pos[1], query_file, &q)) != 0) return rc;
    if ((rc = embed_open("search", pos[0], &a, &c, &s)) != 0) { free(q.data); return rc; }
    rc = 1;
    memset(&qk, 0, sizeof qk);
    if (corpus_read(file, &k) != 0) goto early;
    st.H = (size_t)c.config->hidden_size;
    st.v = (float *)malloc(sizeof(float) * (k.n + 1) * st.H);
    score = (double *)malloc(sizeof(double) * (k.n + 1));
    rank = (size_t *)malloc(sizeof(size_t) * (k.n + 1));
    if (!st.v || !score || !rank) { fprintf(stderr, CLI_NAME ": out of memory\n"); goto done; }
    s.progress = isatty(fileno(stderr)) && !vectors;
    if (embed_init(&e, &c, &s, strcmp(file, "-") ? file : "standard input") != 0) { embed_free(&e); goto done; }
    if (vectors ? read_vectors(vectors, k.n, st.H, st.v) : embed_corpus(&e, &k, vec_store_rows, &st)) {
        embed_free(&e);
        goto done;
    }
    /* the query: a one-line corpus of its own */
    qk.line = &q.data;
    qk.len = &q.len;
    qk.n = 1;
    e.input_name = "the query";
    if (embed_window(&e, &qk, 0, 1) != 0) { embed_free(&e); goto done; }
    qn = sqrt(dot(e.out, e.out, st.H));
    for (i = 0; i < k.n; i++) {
        const float *v = st.v + i * st.H;
        double vn = sqrt(dot(v, v, st.H));
        score[i] = qn > 0 && vn > 0 ? dot(e.out, v, st.H) / (qn * vn) : 0.0;
        rank[i] = i;
    }
    embed_free(&e);
    sort_scores = score;
    qsort(rank, k.n, sizeof(size_t), by_score);
    for (i = 0; i < k.n && i < (size_t)top; i++) {
        printf("%.4f\t%lu\t", score[rank[i]], (unsigned long)rank[i] + 1);
        fwrite(k.line[rank[i]], 1, k.len[rank[i]], stdout);
        printf("\n");
    }
    rc = finish_stdout();
done:
    corpus_free(&k);
early:
    free(st.v);
    free(score);
    free(rank);
    free(q.data);
    close_model(&c);
    return rc;
}

/* ================================================================ heads */

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
        if (!*mlm) { fprintf(stderr, CLI_NAME ": out of memory\n"); return -1; }
        outs.mlm_logits = *mlm;
    }
    outs.sop_logits = sop;
    outs.class_logits = cls;
    if (albert_encode_batch(c->ctx, &batch, &outs) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c->ctx));
        return -1;
    }
    return 0;
}

/* Loads the model with a context and tokenizes text (+ pair) truncated to the model's length. 0, or 1. */
static int open_and_tokenize(cli *c, const char *path, int threads, const text_buf *text, const text_buf *pair,
                             int32_t **ids, int32_t **types, int *n)
{
    if (open_model(c, path, threads, 1)) return 1;
    if (c->config->tokenizer == ALBERT_TOKENIZER_NONE) {
        fprintf(stderr, CLI_NAME ": %s has no tokenizer\n", path);
        close_model(c);
        return 1;
    }
    *n = tokenize(c, text, pair, c->config->max_position_embeddings, ids, types, NULL);
    if (*n < 0) { close_model(c); return 1; }
    return 0;
}

static int cmd_fill_mask(int argc, char **argv)
{
    const char *pos[2], *file = NULL;
    int k = 5, threads = 0, n, i, j, found = 0, rc = 1, top[64];
    cli_option opts[] = { OPT_STR_("--file", &file), OPT_INT_("--top", 1, 64, &k),
                          OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "fill-mask",
                        "usage: albert-cli fill-mask MODEL (TEXT|-|--file PATH) [--top K] [--threads N]\n"
                        "\n"
                        "For each [MASK] in TEXT, the K most likely tokens (1..64, default 5) with their probabilities\n"
                        "(the masked-LM head). \"-\" or --file PATH (\"-\": standard input) reads the text.\n",
                        opts, 3, pos, 1, 2, 0 };
    int32_t *ids = NULL, *types = NULL;
    float *logits = NULL;
    text_buf text;
    cli c;
    PARSE_OR_RETURN(cmd, argc, argv);
    if ((rc = take_text("fill-mask", "text", cmd.n_positional == 2 ? pos[1] : NULL, file, &text)) != 0) return rc;
    rc = 1;
    if (open_and_tokenize(&c, pos[0], threads, &text, NULL, &ids, &types, &n)) { free(text.data); return 1; }
    if (!c.config->has_mlm) { fprintf(stderr, CLI_NAME ": %s has no masked-LM head\n", pos[0]); goto done; }
    if (run_heads(&c, ids, types, n, &logits, NULL, NULL)) goto done;
    for (i = 0; i < n; i++) {
        float *row;
        if (ids[i] != c.config->mask_id) continue;
        found++;
        row = logits + (size_t)i * c.config->vocab_size;
        softmax(row, c.config->vocab_size);
        top_k(row, c.config->vocab_size, k < c.config->vocab_size ? k : c.config->vocab_size, top);
        printf("mask at token %d:\n", i);
        for (j = 0; j < k && j < c.config->vocab_size; j++) {
            printf("  %8.5f  %6d  ", (double)row[top[j]], top[j]);
            print_piece(c.model, top[j]);
            printf("\n");
        }
    }
    if (!found) { fprintf(stderr, CLI_NAME ": the text has no [MASK]\n"); goto done; }
    rc = finish_stdout();
done:
    free(ids);
    free(types);
    free(logits);
    free(text.data);
    close_model(&c);
    return rc;
}

static int cmd_sop(int argc, char **argv)
{
    const char *pos[3], *file = NULL, *pair_file = NULL;
    int threads = 0, n, rc;
    cli_option opts[] = { OPT_STR_("--file", &file), OPT_STR_("--pair-file", &pair_file),
                          OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "sop",
                        "usage: albert-cli sop MODEL (TEXT_A|--file PATH) (TEXT_B|--pair-file PATH) [--threads N]\n"
                        "\n"
                        "The sentence-order head's verdict on TEXT_A followed by TEXT_B: logits and probabilities of\n"
                        "\"in order\" (label 0) and \"swapped\" (label 1). \"-\" reads a text from standard input.\n",
                        opts, 3, pos, 1, 3, 0 };
    int32_t *ids = NULL, *types = NULL;
    float logits[2];
    text_buf a, b;
    cli c;
    const char *arg_a = NULL, *arg_b = NULL;
    PARSE_OR_RETURN(cmd, argc, argv);
    /* positionals fill TEXT_A unless --file gives it */
    if (cmd.n_positional >= 2) {
        if (file) arg_b = pos[1]; else arg_a = pos[1];
    }
    if (cmd.n_positional == 3) {
        if (file) { fprintf(stderr, CLI_NAME " sop: too many texts\n"); return 2; }
        arg_b = pos[2];
    }
    if ((rc = take_text("sop", "first text", arg_a, file, &a)) != 0) return rc;
    if ((rc = take_text("sop", "second text", arg_b, pair_file, &b)) != 0) { free(a.data); return rc; }
    if (open_and_tokenize(&c, pos[0], threads, &a, &b, &ids, &types, &n)) { free(a.data); free(b.data); return 1; }
    rc = 1;
    if (!c.config->has_sop) { fprintf(stderr, CLI_NAME ": %s has no sentence-order head\n", pos[0]); goto done; }
    if (run_heads(&c, ids, types, n, NULL, logits, NULL)) goto done;
    printf("logits %.6g %.6g\n", (double)logits[0], (double)logits[1]);
    softmax(logits, 2);
    printf("in order (label 0): %.5f\nswapped  (label 1): %.5f\n", (double)logits[0], (double)logits[1]);
    rc = finish_stdout();
done:
    free(ids);
    free(types);
    free(a.data);
    free(b.data);
    close_model(&c);
    return rc;
}

/* ================================================================ tasks: classify, qa, ner, choose, logits */

/* s[0..n) as a JSON string. */
static void json_string(const char *s, size_t n)
{
    size_t i;
    putchar('"');
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch == '\n') printf("\\n");
        else if (ch == '\t') printf("\\t");
        else if (ch == '\r') printf("\\r");
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static const char *head_name(albert_head head)
{
    switch (head) {
    case ALBERT_HEAD_NONE: return "none";
    case ALBERT_HEAD_SEQUENCE_CLASSIFICATION: return "sequence classification";
    case ALBERT_HEAD_TOKEN_CLASSIFICATION: return "token classification";
    case ALBERT_HEAD_QUESTION_ANSWERING: return "question answering";
    case ALBERT_HEAD_MULTIPLE_CHOICE: return "multiple choice";
    }
    return "?";
}

/* Loads the model with a context; the task head `want` and a tokenizer are required. 0, or 1 with a message. */
static int open_task_model(cli *c, const char *path, int threads, albert_head want)
{
    if (open_model(c, path, threads, 1)) return 1;
    if (c->config->head != want) {
        fprintf(stderr, CLI_NAME ": %s has no %s head (its head: %s)\n", path, head_name(want), head_name(c->config->head));
        close_model(c);
        return 1;
    }
    if (c->config->tokenizer == ALBERT_TOKENIZER_NONE) {
        fprintf(stderr, CLI_NAME ": %s has no tokenizer\n", path);
        close_model(c);
        return 1;
    }
    return 0;
}

static int cmd_classify(int argc, char **argv)
{
    const char *pos[3], *file = NULL, *pair_file = NULL;
    int threads = 0, json = 0, i, rc;
    cli_option opts[] = { OPT_STR_("--file", &file), OPT_STR_("--pair-file", &pair_file),
                          OPT_FLAG_("--json", &json), OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "classify",
                        "usage: albert-cli classify MODEL (TEXT|-|--file PATH) [PAIR|--pair-file PATH] [--json]\n"
                        "                           [--threads N]\n"
                        "\n"
                        "The sequence classifier's scores for TEXT (or the pair TEXT, PAIR: NLI, paraphrase, ...), as\n"
                        "HF's text-classification pipeline: softmax of the logits, or sigmoid (multi_label, or one label\n"
                        "without a problem_type), or the raw value (regression); best label first.\n"
                        "  --json     [{\"label\": ..., \"score\": ..., \"logit\": ...}, ...] and the function applied\n",
                        opts, 4, pos, 1, 3, 0 };
    float *logits = NULL, *scores = NULL;
    int *order = NULL;
    text_buf text, pair = { NULL, 0 };
    albert_classify_job job;
    cli c;
    const char *arg_text = NULL, *arg_pair = NULL;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (cmd.n_positional >= 2) { if (file) arg_pair = pos[1]; else arg_text = pos[1]; }
    if (cmd.n_positional == 3) {
        if (file || pair_file) { fprintf(stderr, CLI_NAME " classify: too many texts\n"); return 2; }
        arg_pair = pos[2];
    }
    if (arg_pair && pair_file) { fprintf(stderr, CLI_NAME " classify: give PAIR or --pair-file, not both\n"); return 2; }
    if ((rc = take_text("classify", "text", arg_text, file, &text)) != 0) return rc;
    if ((arg_pair || pair_file) && (rc = take_text("classify", "pair", arg_pair, pair_file, &pair)) != 0) {
        free(text.data);
        return rc;
    }
    rc = 1;
    if (open_task_model(&c, pos[0], threads, ALBERT_HEAD_SEQUENCE_CLASSIFICATION)) goto early;
    logits = (float *)malloc(sizeof(float) * (size_t)c.config->num_labels);
    scores = (float *)malloc(sizeof(float) * (size_t)c.config->num_labels);
    order = (int *)malloc(sizeof(int) * (size_t)c.config->num_labels);
    if (!logits || !scores || !order) { fprintf(stderr, CLI_NAME ": out of memory\n"); goto done; }
    memset(&job, 0, sizeof job);
    job.text = text.data;
    job.text_len = text.len;
    job.pair = pair.data;
    job.pair_len = pair.len;
    job.logits = logits;
    job.scores = scores;
    if (albert_classify(c.ctx, &job) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
        goto done;
    }
    top_k(scores, c.config->num_labels, c.config->num_labels, order);   /* best first (HF sorts by score) */
    if (json) printf("{\"function\": \"%s\", \"scores\": [", job.function);
    else printf("(%s)\n", job.function);
    for (i = 0; i < c.config->num_labels; i++) {
        const char *label = albert_label_name(c.model, order[i]);
        if (!label) label = "?";
        if (json) {
            printf("%s{\"label\": ", i ? ", " : "");
            json_string(label, strlen(label));
            printf(", \"score\": %.8g, \"logit\": %.8g}", (double)scores[order[i]], (double)logits[order[i]]);
        } else {
            printf("%10.5f  %s\n", (double)scores[order[i]], label);
        }
    }
    if (json) printf("]}\n");
    rc = finish_stdout();
done:
    close_model(&c);
early:
    free(logits);
    free(scores);
    free(order);
    free(text.data);
    free(pair.data);
    return rc;
}

static int cmd_qa(int argc, char **argv)
{
    const char *pos[3], *context_file = NULL;
    int threads = 0, json = 0, top = 1, max_answer_len = 15, max_seq_len = 0, stride = 0, impossible = 0, i, rc;
    cli_option opts[] = { OPT_INT_("--top", 1, 1000, &top), OPT_INT_("--max-answer-len", 1, 100000, &max_answer_len),
                          OPT_INT_("--max-seq-len", 0, 1 << 20, &max_seq_len), OPT_INT_("--doc-stride", 0, 1 << 20, &stride),
                          OPT_FLAG_("--impossible", &impossible), OPT_STR_("--context-file", &context_file),
                          OPT_FLAG_("--json", &json), OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "qa",
                        "usage: albert-cli qa MODEL QUESTION (CONTEXT|-|--context-file PATH) [--top K] [--json]\n"
                        "                     [--max-answer-len N] [--max-seq-len N] [--doc-stride N] [--impossible]\n"
                        "\n"
                        "Extractive question answering, as HF's question-answering pipeline: the K best answers (spans\n"
                        "of the context, whole words) with their probabilities and byte offsets in the context.\n"
                        "  --top K             answers to show (default 1)\n"
                        "  --max-answer-len N  longest answer in tokens (default 15)\n"
                        "  --max-seq-len N     tokens per window (default min(384, the model's maximum)); longer\n"
                        "                      contexts run in overlapping windows\n"
                        "  --doc-stride N      overlap of the windows in tokens (default min(max-seq-len / 2, 128))\n"
                        "  --impossible        also rank \"no answer\" (HF handle_impossible_answer)\n"
                        "  --json              [{\"score\": ..., \"start\": ..., \"end\": ..., \"answer\": ...}, ...]\n",
                        opts, 8, pos, 2, 3, 0 };
    albert_answer *answers = NULL;
    text_buf question, context;
    albert_qa_job job;
    cli c;
    PARSE_OR_RETURN(cmd, argc, argv);
    if ((rc = take_text("qa", "question", pos[1], NULL, &question)) != 0) return rc;
    if ((rc = take_text("qa", "context", cmd.n_positional == 3 ? pos[2] : NULL, context_file, &context)) != 0) {
        free(question.data);
        return rc;
    }
    rc = 1;
    if (open_task_model(&c, pos[0], threads, ALBERT_HEAD_QUESTION_ANSWERING)) goto early;
    answers = (albert_answer *)malloc(sizeof(albert_answer) * (size_t)top);
    if (!answers) { fprintf(stderr, CLI_NAME ": out of memory\n"); goto done; }
    memset(&job, 0, sizeof job);
    job.question = question.data;
    job.question_len = question.len;
    job.context = context.data;
    job.context_len = context.len;
    job.top_k = top;
    job.max_answer_len = max_answer_len;
    job.max_seq_len = max_seq_len;
    job.doc_stride = stride;
    job.handle_impossible_answer = impossible;
    job.answers = answers;
    if (albert_qa(c.ctx, &job) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
        goto done;
    }
    if (json) printf("[");
    for (i = 0; i < job.n_answers; i++) {
        const albert_answer *a = &answers[i];
        if (json) {
            printf("%s{\"score\": %.8g, \"start\": %d, \"end\": %d, \"answer\": ", i ? ", " : "", (double)a->score,
                   (int)a->start, (int)a->end);
            json_string(context.data + a->start, (size_t)(a->end - a->start));
            printf("}");
        } else if (a->end == a->start) {
            printf("%8.5f  (no answer)\n", (double)a->score);
        } else {
            printf("%8.5f  [%d, %d)  %.*s\n", (double)a->score, (int)a->start, (int)a->end, (int)(a->end - a->start),
                   context.data + a->start);
        }
    }
    if (json) printf("]\n");
    rc = finish_stdout();
done:
    close_model(&c);
early:
    free(answers);
    free(question.data);
    free(context.data);
    return rc;
}

static int cmd_ner(int argc, char **argv)
{
    const char *pos[2], *file = NULL, *aggregation = "none";
    int threads = 0, json = 0, i, rc, simple;
    cli_option opts[] = { OPT_STR_("--file", &file), OPT_STR_("--aggregation", &aggregation),
                          OPT_FLAG_("--json", &json), OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "ner",
                        "usage: albert-cli ner MODEL (TEXT|-|--file PATH) [--aggregation none|simple] [--json]\n"
                        "\n"
                        "Token classification (NER, POS), as HF's token-classification pipeline (labels \"O\" left out):\n"
                        "  --aggregation none    every token with its label and probability (default)\n"
                        "  --aggregation simple  adjacent tokens of one entity (B-X I-X ...) grouped, mean probability\n"
                        "  --json                [{\"entity\" (none) / \"entity_group\" (simple): ..., \"score\": ...,\n"
                        "                        \"start\": ..., \"end\": ..., \"word\": the text span, \"index\": token}]\n",
                        opts, 4, pos, 1, 2, 0 };
    albert_entity *entities = NULL;
    text_buf text;
    albert_ner_job job;
    cli c;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (strcmp(aggregation, "none") && strcmp(aggregation, "simple")) {
        fprintf(stderr, CLI_NAME " ner: --aggregation must be none or simple, not \"%s\"\n", aggregation);
        return 2;
    }
    simple = !strcmp(aggregation, "simple");
    if ((rc = take_text("ner", "text", cmd.n_positional == 2 ? pos[1] : NULL, file, &text)) != 0) return rc;
    rc = 1;
    if (open_task_model(&c, pos[0], threads, ALBERT_HEAD_TOKEN_CLASSIFICATION)) { free(text.data); return 1; }
    memset(&job, 0, sizeof job);
    job.text = text.data;
    job.text_len = text.len;
    job.aggregation = simple ? ALBERT_AGGREGATION_SIMPLE : ALBERT_AGGREGATION_NONE;
    {   /* a size query first: capacity 0 */
        albert_result r = albert_ner(c.ctx, &job);
        if (r != ALBERT_OK && r != ALBERT_ERR_CAPACITY) {
            fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
            goto done;
        }
    }
    entities = (albert_entity *)malloc(sizeof(albert_entity) * (size_t)(job.n_entities + 1));
    if (!entities) { fprintf(stderr, CLI_NAME ": out of memory\n"); goto done; }
    job.entities = entities;
    job.capacity = job.n_entities + 1;
    if (albert_ner(c.ctx, &job) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
        goto done;
    }
    if (json) printf("[");
    for (i = 0; i < job.n_entities; i++) {
        const albert_entity *e = &entities[i];
        if (json) {
            printf("%s{\"%s\": ", i ? ", " : "", simple ? "entity_group" : "entity");
            json_string(e->label, strlen(e->label));
            printf(", \"score\": %.8g, \"start\": %d, \"end\": %d, \"word\": ", (double)e->score, (int)e->start,
                   (int)e->end);
            json_string(text.data + e->start, (size_t)(e->end - e->start));
            if (!simple) printf(", \"index\": %d", (int)e->first_token);
            printf("}");
        } else {
            printf("%-12s %8.5f  [%d, %d)  %.*s\n", e->label, (double)e->score, (int)e->start, (int)e->end,
                   (int)(e->end - e->start), text.data + e->start);
        }
    }
    if (json) printf("]\n");
    rc = finish_stdout();
done:
    free(entities);
    free(text.data);
    close_model(&c);
    return rc;
}

static int cmd_choose(int argc, char **argv)
{
    const char *pos[66];
    int threads = 0, json = 0, i, rc = 1, n, best = 0;
    cli_option opts[] = { OPT_FLAG_("--json", &json), OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "choose",
                        "usage: albert-cli choose MODEL PROMPT CHOICE... [--json]\n"
                        "\n"
                        "Multiple choice: the score of each CHOICE (1..64) as the answer to PROMPT, \"[CLS] PROMPT [SEP]\n"
                        "CHOICE [SEP]\" through the multiple-choice head, and the softmax over the choices.\n"
                        "  --json    {\"best\": index, \"choices\": [{\"choice\": ..., \"logit\": ..., \"prob\": ...}, ...]}\n",
                        opts, 2, pos, 2, 66, 0 };
    float logits[64], probs[64];
    albert_choice_job job;
    cli c;
    PARSE_OR_RETURN(cmd, argc, argv);
    n = cmd.n_positional - 2;
    if (n < 1) {   /* the library refuses it too (ALBERT_ERR_EMPTY); a usage error here */
        fprintf(stderr, CLI_NAME " choose: give at least one CHOICE\n");
        return 2;
    }
    if (open_task_model(&c, pos[0], threads, ALBERT_HEAD_MULTIPLE_CHOICE)) return 1;
    memset(&job, 0, sizeof job);
    job.prompt = pos[1];
    job.prompt_len = strlen(pos[1]);
    job.choices = pos + 2;
    job.n_choices = n;
    job.logits = logits;
    job.probs = probs;
    if (albert_choose(c.ctx, &job) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
        goto done;
    }
    for (i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    if (json) printf("{\"best\": %d, \"choices\": [", best);
    for (i = 0; i < n; i++) {
        if (json) {
            printf("%s{\"choice\": ", i ? ", " : "");
            json_string(pos[2 + i], strlen(pos[2 + i]));
            printf(", \"logit\": %.8g, \"prob\": %.8g}", (double)logits[i], (double)probs[i]);
        } else {
            printf("%s %8.5f  %10.5f  %s\n", i == best ? "*" : " ", (double)probs[i], (double)logits[i], pos[2 + i]);
        }
    }
    if (json) printf("]}\n");
    rc = finish_stdout();
done:
    close_model(&c);
    return rc;
}

/* Takes every "--NAME V" / "--NAME=V" out of argv[first..argc) (they may repeat) into values[]; returns the count
   left in argv, or -1 (a message printed) when one has no value or there are more than cap. */
static int take_repeated(int argc, char **argv, int first, const char *name, const char **values, int cap, int *n)
{
    int i, out = first;
    size_t len = strlen(name);
    *n = 0;
    for (i = first; i < argc; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "--")) {   /* the rest is positional */
            while (i < argc) argv[out++] = argv[i++];
            break;
        }
        if (!strcmp(argv[i], name)) {
            if (i + 1 >= argc) { fprintf(stderr, CLI_NAME ": %s needs a value\n", name); return -1; }
            v = argv[++i];
        } else if (!strncmp(argv[i], name, len) && argv[i][len] == '=') {
            v = argv[i] + len + 1;
        }
        if (!v) { argv[out++] = argv[i]; continue; }
        if (*n >= cap) { fprintf(stderr, CLI_NAME ": at most %d %s\n", cap, name); return -1; }
        values[(*n)++] = v;
    }
    return out;
}

static int cmd_logits(int argc, char **argv)
{
    const char *pos[1], *out_path = NULL, *ids_args[64], *type_args[64];
    int threads = 0, n_ids, n_types, i, rc = 1, argc2;
    cli_option opts[] = { OPT_STR_("--out", &out_path), OPT_INT_("--threads", 0, 256, &threads) };
    cli_command cmd = { "logits",
                        "usage: albert-cli logits MODEL --ids IDS [--type-ids IDS] --out FILE [--threads N]\n"
                        "\n"
                        "Writes the model's head output for token ids as raw little-endian float32 (for comparing with\n"
                        "references): sequence classifier [N]; token classifier [n x N]; question answering the start\n"
                        "logits [n] then the end logits [n]; no task head: the masked-LM logits [n x V]. Multiple choice:\n"
                        "--ids (and --type-ids) once per choice, the output [C].\n",
                        opts, 2, pos, 1, 1, 0 };
    char **args = (char **)malloc(sizeof(char *) * (size_t)(argc + 1));
    int32_t *ids[64], *types[64], lens[64];
    float *out = NULL, *logits = NULL;
    size_t n_out = 0;
    cli c;
    const albert_config *k;
    memset(ids, 0, sizeof ids);
    memset(types, 0, sizeof types);
    if (!args) { fprintf(stderr, CLI_NAME ": out of memory\n"); return 1; }
    memcpy(args, argv, sizeof(char *) * (size_t)argc);
    if ((argc2 = take_repeated(argc, args, 2, "--ids", ids_args, 64, &n_ids)) < 0 ||
        (argc2 = take_repeated(argc2, args, 2, "--type-ids", type_args, 64, &n_types)) < 0) {
        free(args);
        return 2;
    }
    i = parse_args(&cmd, argc2, args, 2);
    free(args);
    if (i == 1) return 0;
    if (i != 0) return 2;
    if (n_ids == 0 || !out_path) { fprintf(stderr, CLI_NAME " logits: give --ids and --out\n"); return 2; }
    if (n_types && n_types != n_ids) { fprintf(stderr, CLI_NAME " logits: give --type-ids once per --ids\n"); return 2; }
    for (i = 0; i < n_ids; i++) {
        if ((lens[i] = parse_ids(ids_args[i], &ids[i])) <= 0) {
            fprintf(stderr, CLI_NAME " logits: --ids: \"%s\" is not a list of integers\n", ids_args[i]);
            goto early;
        }
        if (n_types && parse_ids(type_args[i], &types[i]) != lens[i]) {
            fprintf(stderr, CLI_NAME " logits: --type-ids must have as many entries as its --ids\n");
            goto early;
        }
    }
    if (open_model(&c, pos[0], threads, 1)) goto early;
    k = c.config;
    if (n_ids > 1 && k->head != ALBERT_HEAD_MULTIPLE_CHOICE) {
        fprintf(stderr, CLI_NAME " logits: --ids more than once is for multiple-choice models (%s: %s)\n", pos[0],
                head_name(k->head));
        rc = 2;
        goto done;
    }
    if (k->head == ALBERT_HEAD_NONE && !k->has_mlm) {
        fprintf(stderr, CLI_NAME ": %s has no task head and no masked-LM head\n", pos[0]);
        goto done;
    }
    {
        size_t width = k->head == ALBERT_HEAD_NONE ? (size_t)k->vocab_size : (size_t)k->num_labels;
        n_out = k->head == ALBERT_HEAD_MULTIPLE_CHOICE ? (size_t)n_ids
                : k->head == ALBERT_HEAD_SEQUENCE_CLASSIFICATION ? width : (size_t)lens[0] * width;
        out = (float *)malloc(sizeof(float) * n_out);
        logits = (float *)malloc(sizeof(float) * (size_t)lens[0] * width);
        if (!out || !logits) { fprintf(stderr, CLI_NAME ": out of memory\n"); goto done; }
    }
    for (i = 0; i < n_ids; i++) {
        albert_batch b;
        albert_outputs o;
        float one;
        memset(&b, 0, sizeof b);
        memset(&o, 0, sizeof o);
        b.batch_size = 1;
        b.seq_len = lens[i];
        b.input_ids = ids[i];
        b.token_type_ids = types[i];
        if (k->head == ALBERT_HEAD_MULTIPLE_CHOICE) o.class_logits = &one;
        else if (k->head == ALBERT_HEAD_SEQUENCE_CLASSIFICATION) o.class_logits = out;
        else if (k->head == ALBERT_HEAD_NONE) o.mlm_logits = out;
        else o.token_logits = logits;
        if (albert_encode_batch(c.ctx, &b, &o) != ALBERT_OK) {
            fprintf(stderr, CLI_NAME ": %s\n", albert_context_last_error(c.ctx));
            goto done;
        }
        if (k->head == ALBERT_HEAD_MULTIPLE_CHOICE) out[i] = one;
    }
    if (k->head == ALBERT_HEAD_TOKEN_CLASSIFICATION) {
        memcpy(out, logits, sizeof(float) * n_out);
    } else if (k->head == ALBERT_HEAD_QUESTION_ANSWERING) {   /* [n x 2] -> start [n], end [n] */
        int32_t t;
        for (t = 0; t < lens[0]; t++) out[t] = logits[2 * t], out[lens[0] + t] = logits[2 * t + 1];
    }
    rc = write_floats(out_path, out, n_out, NULL, 0);
done:
    close_model(&c);
early:
    for (i = 0; i < 64; i++) { free(ids[i]); free(types[i]); }
    free(out);
    free(logits);
    return rc;
}

/* ================================================================ check */

/* albert-cli check MODEL: loads the file (every byte of its structure validated) and reads every weight once:
   all must be finite. The tokenizer is validated by the load. */
static int cmd_check(int argc, char **argv)
{
    const char *pos[1];
    cli_command cmd = { "check",
                        "usage: albert-cli check MODEL\n"
                        "\n"
                        "Validates the model file: its structure (as every load does) and every weight, which must be\n"
                        "a finite number. Prints \"MODEL: ok\" and exits 0, or says what is wrong and exits 1.\n",
                        NULL, 0, pos, 1, 1, 0 };
    cli c;
    albert_error err;
    PARSE_OR_RETURN(cmd, argc, argv);
    if (open_model(&c, pos[0], 1, 0)) return 1;
    if (albert_model_check(c.model, &err) != ALBERT_OK) {
        fprintf(stderr, CLI_NAME ": %s: %s\n", pos[0], err.message);
        close_model(&c);
        return 1;
    }
    printf("%s: ok\n", pos[0]);
    close_model(&c);
    return finish_stdout();
}

/* ================================================================ main */

static const char main_usage[] =
    "usage: albert-cli COMMAND MODEL ... (albert-cli COMMAND --help for each command)\n"
    "\n"
    "  info MODEL                          the model file's configuration, heads and tokenizer\n"
    "  tokenize MODEL [TEXT|-] [PAIR]      token ids and pieces\n"
    "  encode MODEL (--ids|--text|--file)  hidden states of one input (any layer), the pooler output\n"
    "  embed MODEL [FILE|-]                one sentence vector per line, in batches (text, jsonl, npy, f32)\n"
    "  search MODEL QUERY FILE             FILE's lines ranked by cosine similarity to QUERY\n"
    "  fill-mask MODEL TEXT                the masked-LM head's best tokens for each [MASK]\n"
    "  sop MODEL TEXT_A TEXT_B             the sentence-order head\n"
    "  classify MODEL TEXT [PAIR]          the sequence classifier (softmax / sigmoid / raw by problem_type)\n"
    "  qa MODEL QUESTION CONTEXT           extractive question answering (--top K)\n"
    "  ner MODEL TEXT                      token classification (--aggregation none|simple)\n"
    "  choose MODEL PROMPT CHOICE...       multiple choice\n"
    "  logits MODEL --ids IDS --out FILE   the head's raw output as float32 (--ids per choice for choose)\n"
    "  check MODEL                         validates the file: its structure and every weight (finite)\n"
    "\n"
    "  --help                              this text\n"
    "  --version                           the version of albert-cli and of albert.h\n"
    "\n"
    "Texts: \"-\" as TEXT or --file PATH reads a text from standard input or a file. Exit status: 0 success,\n"
    "1 failure (file, model, input), 2 usage error.\n";

typedef struct cli_subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
} cli_subcommand;

int main(int argc, char **argv)
{
    static const cli_subcommand commands[] = {
        { "info", cmd_info },           { "tokenize", cmd_tokenize }, { "encode", cmd_encode },
        { "fill-mask", cmd_fill_mask }, { "sop", cmd_sop },           { "classify", cmd_classify },
        { "qa", cmd_qa },               { "ner", cmd_ner },           { "choose", cmd_choose },
        { "check", cmd_check },
        { "logits", cmd_logits },
        { "embed", cmd_embed },         { "search", cmd_search },
    };
    size_t i;
    if (argc < 2) { fputs(main_usage, stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(main_usage, stdout);
        return finish_stdout();
    }
    if (!strcmp(argv[1], "--version")) {
        printf(CLI_NAME " %s (albert.h %s, model format %d)\n", ALBERT_VERSION_STRING, albert_version(),
               ALBERT_FORMAT_VERSION);
        return finish_stdout();
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc, argv);
    fprintf(stderr, CLI_NAME ": unknown command \"%s\" (see " CLI_NAME " --help)\n", argv[1]);
    return 2;
}
