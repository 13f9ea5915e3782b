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
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
