/* albert-convert - turns a HuggingFace or Google ALBERT checkpoint (+ tokenizer) into an albert.h model file.

       albert-convert [options] SRC OUT

   SRC is a folder (HF: config.json + model.safetensors / pytorch_model.bin + spiece.model; Google: albert_config.json +
   model.ckpt-best.* + 30k-clean.model; TF-Hub: variables/ + assets/) or one weights file. The conversion reads one
   tensor at a time (the source is mapped, not loaded), writes a temporary file next to OUT and renames it into
   place only when everything succeeded. See usage() for the options. */
#include "albert.h"
#include "convert.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ options */

typedef enum source_format { FORMAT_AUTO, FORMAT_SAFETENSORS, FORMAT_TORCH, FORMAT_TF } source_format;

typedef struct options {
    const char *src, *out;
    const char *config_path;     /* --config */
    const char *vocab_path;      /* --vocab */
    const char *submodel;        /* --submodel: which sub-model of a wrapped checkpoint holds the encoder */
    const char *config_key;      /* --config-key: the key a nested config sits under */
    source_format format;        /* --format */
    int no_tokenizer, tokenizer_only, quiet;
    int dtype;                   /* --dtype: BLOB_F32, BLOB_F16 or BLOB_Q8 for the weight matrices */
} options;

static const char *format_name(source_format format)
{
    switch (format) {
    case FORMAT_SAFETENSORS: return "safetensors";
    case FORMAT_TORCH: return "PyTorch";
    case FORMAT_TF: return "TensorFlow checkpoint";
    case FORMAT_AUTO: break;
    }
    return "auto";
}

static void usage(FILE *to)
{
    fputs("usage: albert-convert [options] SRC OUT\n"
          "\n"
          "Converts an ALBERT checkpoint and its tokenizer into an albert.h model file OUT.\n"
          "SRC is a folder or a weights file:\n"
          "  weights    model.safetensors, pytorch_model.bin, or a TF checkpoint (model.ckpt-best.index, *.ckpt*.index,\n"
          "             variables/variables.index; with its .data-00000-of-00001)\n"
          "  config     config.json (HuggingFace) or albert_config.json (Google), next to the weights\n"
          "  tokenizer  spiece.model, 30k-clean.model, a single *.model, vocab.txt or vocab_chinese.txt;\n"
          "             tokenizer_config.json (do_lower_case, keep_accents, remove_space, ...) is applied if present\n"
          "\n"
          "options:\n"
          "  --config FILE       the model config (HF config.json or Google albert_config*.json)\n"
          "  --vocab FILE        the tokenizer file (SentencePiece .model or WordPiece vocab.txt)\n"
          "  --no-tokenizer      write no tokenizer\n"
          "  --tokenizer-only    SRC is a tokenizer file (or a folder holding one): write a tokenizer-only file\n"
          "  --format F          read SRC as F: safetensors, torch or tf (default: detect)\n"
          "  --submodel NAME     a checkpoint wrapping several models ({\"net\": {\"bert\": ..., \"predictor\": ...}}):\n"
          "                      convert the ALBERT under NAME (e.g. bert or net.bert); nested state dicts\n"
          "                      ({\"state_dict\": ...}, {\"model\": ...}) and DataParallel's module. are found alone\n"
          "  --config-key KEY    the model config is the object under KEY of the config file (e.g. plbert);\n"
          "                      found alone when exactly one member object holds ALBERT sizes\n"
          "  --dtype T           weight matrices in OUT as f32 (default), f16, int8 (per-row scaled) or bf16;\n"
          "                      int8 and bf16 store the encoder's matrices packed for the CPU's dot-product\n"
          "                      units (bf16: the other matrices stay f32); biases, LayerNorms and\n"
          "                      position/type embeddings stay f32\n"
          "  -q, --quiet         no notes and no summary (warnings and errors still go to stderr)\n"
          "  -h, --help          this text (to standard output)\n"
          "  --version           the converter's version and the model file format it writes\n"
          "\n"
          "Exit status: 0 converted, 1 the conversion failed (OUT is not written), 2 a usage error.\n", to);
}

static int parse_options(int argc, char **argv, options *o)
{
    int i, positional = 0, seen_format = 0, seen_dtype = 0;
    memset(o, 0, sizeof(*o));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(stdout); exit(fflush(stdout) == 0 ? 0 : 1); }
        else if (strcmp(a, "--version") == 0) {
            printf("albert-convert %s (model format %d)\n", ALBERT_VERSION_STRING, ALBERT_FORMAT_VERSION);
            exit(fflush(stdout) == 0 ? 0 : 1);
        }
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) o->quiet = 1;
        else if (strcmp(a, "--no-tokenizer") == 0) o->no_tokenizer = 1;
        else if (strcmp(a, "--tokenizer-only") == 0) o->tokenizer_only = 1;
        else if (strcmp(a, "--submodel") == 0 || strcmp(a, "--config-key") == 0) {
            const char **slot = strcmp(a, "--submodel") == 0 ? &o->submodel : &o->config_key;
            if (!value || !value[0]) { fprintf(stderr, "albert-convert: %s needs a value\n", a); return -1; }
            if (*slot) { fprintf(stderr, "albert-convert: %s given more than once\n", a); return -1; }
            *slot = value;
            i++;
        }
        else if (strcmp(a, "--config") == 0 || strcmp(a, "--vocab") == 0 || strcmp(a, "--format") == 0 ||
                 strcmp(a, "--dtype") == 0) {
            if (!value) { fprintf(stderr, "albert-convert: %s needs a value\n", a); return -1; }
            if ((strcmp(a, "--config") == 0 && o->config_path) || (strcmp(a, "--vocab") == 0 && o->vocab_path) ||
                (strcmp(a, "--format") == 0 && seen_format) || (strcmp(a, "--dtype") == 0 && seen_dtype)) {
                fprintf(stderr, "albert-convert: %s given more than once\n", a);
                return -1;
            }
            if (strcmp(a, "--format") == 0) seen_format = 1;
            if (strcmp(a, "--dtype") == 0) seen_dtype = 1;
            i++;
            if (strcmp(a, "--config") == 0) o->config_path = value;
            else if (strcmp(a, "--vocab") == 0) o->vocab_path = value;
            else if (strcmp(a, "--format") == 0) {
                if (strcmp(value, "safetensors") == 0) o->format = FORMAT_SAFETENSORS;
                else if (strcmp(value, "torch") == 0 || strcmp(value, "pytorch") == 0) o->format = FORMAT_TORCH;
                else if (strcmp(value, "tf") == 0 || strcmp(value, "tensorflow") == 0) o->format = FORMAT_TF;
                else { fprintf(stderr, "albert-convert: --format must be safetensors, torch or tf, not \"%s\"\n", value); return -1; }
            } else if (strcmp(value, "f32") == 0 || strcmp(value, "float32") == 0) {
                o->dtype = BLOB_F32;
            } else if (strcmp(value, "f16") == 0 || strcmp(value, "float16") == 0) {
                o->dtype = BLOB_F16;
            } else if (strcmp(value, "int8") == 0 || strcmp(value, "q8") == 0) {
                o->dtype = BLOB_Q8;
            } else if (strcmp(value, "bf16") == 0 || strcmp(value, "bfloat16") == 0) {
                o->dtype = BLOB_BF16;
            } else {
                fprintf(stderr, "albert-convert: --dtype must be f32, f16, int8 or bf16, not \"%s\"\n", value);
                return -1;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "albert-convert: unknown option %s (see --help)\n", a);
            return -1;
        } else {
            if (positional == 0) o->src = a;
            else if (positional == 1) o->out = a;
            else { fprintf(stderr, "albert-convert: too many arguments: %s (see --help)\n", a); return -1; }
            positional++;
        }
    }
    if (positional != 2) { usage(stderr); return -1; }
    if (o->no_tokenizer && (o->tokenizer_only || o->vocab_path)) {
        fprintf(stderr, "albert-convert: --no-tokenizer contradicts %s\n", o->tokenizer_only ? "--tokenizer-only" : "--vocab");
        return -1;
    }
    return 0;
}

static int quiet;

static void note(const char *format, ...)
{
    va_list args;
    if (quiet) return;
    fputs("albert-convert: note: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
}

static void warn(const char *format, ...)
{
    va_list args;
    fputs("albert-convert: warning: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
}

/* ================================================================ files and folders */

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = (char *)malloc(n);
    if (copy) memcpy(copy, s, n);
    return copy;
}

static char *join_path(const char *folder, const char *name)
{
    size_t a = strlen(folder), b = strlen(name);
    char *path = (char *)malloc(a + b + 2);
    if (!path) return NULL;
    memcpy(path, folder, a);
    path[a] = '/';
    memcpy(path + a + 1, name, b + 1);
    return path;
}

static int is_file(const char *path) { return ck_path_kind(path, NULL) == CK_PATH_FILE; }

static int is_folder(const char *path) { return ck_path_kind(path, NULL) == CK_PATH_FOLDER; }

/* The last path separator in path, or NULL ('/', and on Windows also '\\'). */
static const char *last_separator(const char *path)
{
    const char *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *backslash = strrchr(path, '\\');
    if (backslash && (!slash || backslash > slash)) slash = backslash;
#endif
    return slash;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The folder part of a file path ("." if none). */
static char *folder_of(const char *path)
{
    const char *slash = last_separator(path);
    char *folder;
    size_t n;
    if (!slash) return copy_string(".");
    n = slash == path ? 1 : (size_t)(slash - path);
    folder = (char *)malloc(n + 1);
    if (!folder) return NULL;
    memcpy(folder, path, n);
    folder[n] = '\0';
    return folder;
}

static const char *base_name(const char *path)
{
    const char *slash = last_separator(path);
    return slash ? slash + 1 : path;
}

typedef int (*name_filter)(const char *name);

typedef struct folder_search {
    const char *folder;
    name_filter filter;
    char *best, *list;
    size_t list_size;
    int count;
} folder_search;

static int folder_search_visit(const char *name, void *arg)
{
    folder_search *search = (folder_search *)arg;
    char *path;
    if (!search->filter(name)) return 0;
    path = join_path(search->folder, name);
    if (!path) return 0;
    if (!is_file(path)) { free(path); return 0; }
    search->count++;
    if (search->list_size && strlen(search->list) + strlen(name) + 3 < search->list_size) {
        if (search->list[0]) strcat(search->list, ", ");
        strcat(search->list, name);
    }
    if (!search->best || strcmp(path, search->best) < 0) { free(search->best); search->best = path; }
    else free(path);
    return 0;
}

/* Finds the files in folder whose names pass the filter. Returns how many; *first gets the first one (joined
   path, sorted by name so the choice is stable) and list[list_size] their names for messages. */
static int find_in_folder(const char *folder, name_filter filter, char **first, char *list, size_t list_size)
{
    folder_search search;
    search.folder = folder;
    search.filter = filter;
    search.best = NULL;
    search.list = list;
    search.list_size = list_size;
    search.count = 0;
    if (list_size) list[0] = '\0';
    (void)ck_list_folder(folder, folder_search_visit, &search);
    *first = search.best;
    return search.count;
}

static int is_tf_index_name(const char *name) { return ends_with(name, ".index") && strstr(name, ".ckpt") != NULL; }
static int is_model_name(const char *name) { return ends_with(name, ".model"); }
static int is_google_config_name(const char *name) { return strncmp(name, "albert_config", 13) == 0 && ends_with(name, ".json"); }

/* X.index -> X.data-00000-of-00001 */
static char *tf_data_path(const char *index_path)
{
    size_t n = strlen(index_path) - strlen(".index");
    char *path = (char *)malloc(n + sizeof(".data-00000-of-00001"));
    if (!path) return NULL;
    memcpy(path, index_path, n);
    memcpy(path + n, ".data-00000-of-00001", sizeof(".data-00000-of-00001"));
    return path;
}

/* ================================================================ locating the inputs */

typedef struct sources {
    char *weights;
    source_format format;
    char *config;
    int config_is_google;
    char *tokenizer;
    albert_tokenizer_kind tokenizer_kind;
    int tokenizer_is_json;       /* tokenizer.json (HF tokenizers), read by tok_json.c */
    char *tokenizer_config;
    char *search[4];             /* folders searched for config and tokenizer files */
    int n_search;
} sources;

static void sources_free(sources *s)
{
    int i;
    free(s->weights);
    free(s->config);
    free(s->tokenizer);
    free(s->tokenizer_config);
    for (i = 0; i < s->n_search; i++) free(s->search[i]);
    memset(s, 0, sizeof(*s));
}

static int add_search_folder(sources *s, const char *folder, const char *sub)
{
    char *path = sub ? join_path(folder, sub) : copy_string(folder);
    if (!path) return -1;
    if (s->n_search < 4 && is_folder(path)) s->search[s->n_search++] = path;
    else free(path);
    return 0;
}

static int check_tf_index(const char *index_path, char *err)
{
    char *data = tf_data_path(index_path);
    int ok = data && is_file(data);
    if (!ok) {
        snprintf(err, CK_ERR_LEN, "%s: its data file %s is missing (only single-shard TF checkpoints are supported)",
                 index_path, data ? base_name(data) : "X.data-00000-of-00001");
    }
    free(data);
    return ok ? 0 : -1;
}

/* Finds the weights file in a folder: model.safetensors, pytorch_model.bin, then a TF checkpoint index. */
static int find_weights(const char *folder, source_format want, sources *s, char *err)
{
    char *path = NULL, list[400];
    int n;

    if (want == FORMAT_AUTO || want == FORMAT_SAFETENSORS) {
        path = join_path(folder, "model.safetensors");
        if (path && is_file(path)) { s->weights = path; s->format = FORMAT_SAFETENSORS; return 0; }
        free(path);
    }
    if (want == FORMAT_AUTO || want == FORMAT_TORCH) {
        path = join_path(folder, "pytorch_model.bin");
        if (path && is_file(path)) { s->weights = path; s->format = FORMAT_TORCH; return 0; }
        free(path);
    }
    if (want == FORMAT_AUTO || want == FORMAT_TF) {
        path = join_path(folder, "model.ckpt-best.index");
        if (!(path && is_file(path))) {
            free(path);
            n = find_in_folder(folder, is_tf_index_name, &path, list, sizeof(list));
            if (n > 1) {
                snprintf(err, CK_ERR_LEN, "%s: several TF checkpoints (%s): give the one to convert as SRC", folder, list);
                free(path);
                return -1;
            }
        }
        if (!path) {
            path = join_path(folder, "variables/variables.index");
            if (path && !is_file(path)) { free(path); path = NULL; }
        }
        if (path) {
            if (check_tf_index(path, err) != 0) { free(path); return -1; }
            s->weights = path;
            s->format = FORMAT_TF;
            return 0;
        }
    }

    path = join_path(folder, "model.safetensors.index.json");
    if (path && is_file(path)) {
        snprintf(err, CK_ERR_LEN, "%s: sharded checkpoints (model.safetensors.index.json) are not supported", folder);
        free(path);
        return -1;
    }
    free(path);
    path = join_path(folder, "tf_model.h5");
    n = path && is_file(path);
    free(path);
    snprintf(err, CK_ERR_LEN, "%s: no %s weights found (looked for %s)%s", folder,
             want == FORMAT_AUTO ? "model" : format_name(want),
             want == FORMAT_SAFETENSORS ? "model.safetensors"
             : want == FORMAT_TORCH ? "pytorch_model.bin"
             : want == FORMAT_TF ? "model.ckpt-best.index, *.ckpt*.index, variables/variables.index"
             : "model.safetensors, pytorch_model.bin, model.ckpt-best.index, *.ckpt*.index, variables/variables.index",
             n ? "; Keras tf_model.h5 files are not supported" : "");
    return -1;
}

/* Detects the format of a weights file from its first and last bytes. */
static int detect_format(const char *path, source_format *format, char *err)
{
    static const unsigned char tf_table_magic[8] = {0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb};
    unsigned char head[16], tail[8];
    size_t n_head;
    uint64_t size = 0;
    FILE *f = ck_fopen(path, "rb");
    if (!f) { snprintf(err, CK_ERR_LEN, "%s: cannot open: %s", path, strerror(errno)); return -1; }
    n_head = fread(head, 1, sizeof(head), f);
    (void)ck_path_kind(path, &size); /* 64-bit on every system (long is 32-bit on Windows) */
    memset(tail, 0, sizeof(tail));
    if (size >= 8 && fseek(f, -8, SEEK_END) == 0 && fread(tail, 1, 8, f) != 8) memset(tail, 0, sizeof(tail));
    fclose(f);

    if (n_head >= 9 && head[8] == '{') *format = FORMAT_SAFETENSORS;
    else if (n_head >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) *format = FORMAT_TORCH;     /* torch.save zip */
    else if (n_head >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) *format = FORMAT_TORCH; /* pickle */
    else if (size >= 48 && memcmp(tail, tf_table_magic, 8) == 0) *format = FORMAT_TF;
    else {
        snprintf(err, CK_ERR_LEN, "%s: unknown weights format (not safetensors, a torch.save file or a TF checkpoint "
                 "index); use --format to say which", path);
        return -1;
    }
    return 0;
}

/* Looks for the first existing name of `names` in the search folders (folder by folder). */
static char *find_named(const sources *s, const char *const *names)
{
    int f, i;
    for (f = 0; f < s->n_search; f++) {
        for (i = 0; names[i]; i++) {
            char *path = join_path(s->search[f], names[i]);
            if (path && is_file(path)) return path;
            free(path);
        }
    }
    return NULL;
}

static int find_config(sources *s, char *err)
{
    static const char *const names[] = {"config.json", "albert_config.json", NULL};
    char list[400];
    int f;
    s->config = find_named(s, names);
    if (s->config) return 0;
    for (f = 0; f < s->n_search; f++) {
        int n = find_in_folder(s->search[f], is_google_config_name, &s->config, list, sizeof(list));
        if (n == 1) return 0;
        if (n > 1) {
            snprintf(err, CK_ERR_LEN, "%s: several configs (%s): choose one with --config", s->search[f], list);
            free(s->config);
            s->config = NULL;
            return -1;
        }
    }
    snprintf(err, CK_ERR_LEN, "no config found next to %s (looked for config.json, albert_config.json, "
             "albert_config*.json); give one with --config", s->weights ? s->weights : "the weights");
    return -1;
}

static albert_tokenizer_kind tokenizer_kind_of(const char *path)
{
    FILE *f;
    int first;
    if (ends_with(path, ".model")) return ALBERT_TOKENIZER_SENTENCEPIECE;
    if (ends_with(path, ".txt")) return ALBERT_TOKENIZER_WORDPIECE;
    /* A SentencePiece ModelProto starts with field 1 (pieces), wire type 2: byte 0x0A. */
    f = ck_fopen(path, "rb");
    first = f ? fgetc(f) : EOF;
    if (f) fclose(f);
    return first == 0x0A ? ALBERT_TOKENIZER_SENTENCEPIECE : ALBERT_TOKENIZER_WORDPIECE;
}

static void set_tokenizer_kind(sources *s)
{
    s->tokenizer_is_json = ends_with(s->tokenizer, ".json");
    s->tokenizer_kind = s->tokenizer_is_json ? ALBERT_TOKENIZER_NONE : tokenizer_kind_of(s->tokenizer);
}

/* Finds the tokenizer in the search folders; no tokenizer is not an error (s->tokenizer stays NULL). */
static int find_tokenizer(sources *s, char *err)
{
    static const char *const sentencepiece[] = {"spiece.model", "30k-clean.model", NULL};
    static const char *const wordpiece[] = {"vocab.txt", "vocab_chinese.txt", NULL};
    static const char *const tokenizer_json[] = {"tokenizer.json", NULL};
    char list[400];
    int f;
    s->tokenizer = find_named(s, sentencepiece);
    for (f = 0; !s->tokenizer && f < s->n_search; f++) {
        int n = find_in_folder(s->search[f], is_model_name, &s->tokenizer, list, sizeof(list));
        if (n > 1) {
            snprintf(err, CK_ERR_LEN, "%s: several tokenizer models (%s): choose one with --vocab, or --no-tokenizer",
                     s->search[f], list);
            free(s->tokenizer);
            s->tokenizer = NULL;
            return -1;
        }
    }
    if (!s->tokenizer) s->tokenizer = find_named(s, wordpiece);
    if (!s->tokenizer) s->tokenizer = find_named(s, tokenizer_json);   /* only when there is no slow tokenizer */
    if (s->tokenizer) set_tokenizer_kind(s);
    return 0;
}

static int locate_sources(const options *o, sources *s, char *err)
{
    static const char *const tokenizer_config[] = {"tokenizer_config.json", NULL};
    char *folder = NULL;
    int src_is_folder = is_folder(o->src);

    memset(s, 0, sizeof(*s));
    if (!src_is_folder && !is_file(o->src)) {
        /* a TF checkpoint prefix ("model.ckpt-best") names no file itself */
        size_t n = strlen(o->src);
        char *index = (char *)malloc(n + sizeof(".index"));
        if (!index) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
        memcpy(index, o->src, n);
        memcpy(index + n, ".index", sizeof(".index"));
        if (!o->tokenizer_only && is_file(index)) {
            s->weights = index;
        } else {
            free(index);
            snprintf(err, CK_ERR_LEN, "%s: no such file or folder", o->src);
            return -1;
        }
    }

    if (src_is_folder) {
        folder = copy_string(o->src);
        if (!folder) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
        if (add_search_folder(s, folder, NULL) || add_search_folder(s, folder, "assets")) goto oom;
        if (!o->tokenizer_only && find_weights(folder, o->format, s, err) != 0) goto fail;
    } else {
        if (!s->weights && !o->tokenizer_only) {
            s->weights = copy_string(o->src);
            if (!s->weights) goto oom;
        }
        if (s->weights && ends_with(s->weights, ".data-00000-of-00001")) {   /* the TF data file: use its index */
            size_t n = strlen(s->weights) - strlen(".data-00000-of-00001");
            strcpy(s->weights + n, ".index");
        }
        folder = folder_of(o->src);
        if (!folder) goto oom;
        if (add_search_folder(s, folder, NULL) || add_search_folder(s, folder, "assets")) goto oom;
        if (strcmp(base_name(folder), "variables") == 0) {      /* TF-Hub: variables/ next to assets/ */
            char *parent = join_path(folder, "..");
            if (!parent || add_search_folder(s, parent, NULL) || add_search_folder(s, parent, "assets")) { free(parent); goto oom; }
            free(parent);
        }
        if (s->weights) {
            if (o->format != FORMAT_AUTO) s->format = o->format;
            else if (detect_format(s->weights, &s->format, err) != 0) goto fail;
            if (s->format == FORMAT_TF && ends_with(s->weights, ".index") && check_tf_index(s->weights, err) != 0) goto fail;
        }
    }

    if (!o->tokenizer_only) {
        if (o->config_path) {
            if (!is_file(o->config_path)) { snprintf(err, CK_ERR_LEN, "%s: no such config file", o->config_path); goto fail; }
            s->config = copy_string(o->config_path);
            if (!s->config) goto oom;
        } else if (find_config(s, err) != 0) {
            goto fail;
        }
    }

    if (o->vocab_path) {
        if (!is_file(o->vocab_path)) { snprintf(err, CK_ERR_LEN, "%s: no such tokenizer file", o->vocab_path); goto fail; }
        s->tokenizer = copy_string(o->vocab_path);
        if (!s->tokenizer) goto oom;
        set_tokenizer_kind(s);
    } else if (o->tokenizer_only && !src_is_folder) {
        s->tokenizer = copy_string(o->src);
        if (!s->tokenizer) goto oom;
        set_tokenizer_kind(s);
    } else if (!o->no_tokenizer && find_tokenizer(s, err) != 0) {
        goto fail;
    }
    if (o->tokenizer_only && !s->tokenizer) {
        snprintf(err, CK_ERR_LEN, "%s: no tokenizer found (looked for spiece.model, 30k-clean.model, *.model, vocab.txt, "
                 "vocab_chinese.txt)", o->src);
        goto fail;
    }
    if (s->tokenizer) s->tokenizer_config = find_named(s, tokenizer_config);
    free(folder);
    return 0;

oom:
    snprintf(err, CK_ERR_LEN, "out of memory");
fail:
    free(folder);
    sources_free(s);
    return -1;
}

/* ================================================================ the model config */

typedef struct model_config {
    blob_config blob;
    int32_t config_labels;       /* labels named by id2label / num_labels in the config (0 = none) */
    char *label_names;           /* config_labels NUL-terminated names, in id order */
    size_t label_names_size;
    int arch_head;               /* the task head `architectures` names (ALBERT_HEAD_*), 0 = none / encoder only */
    char arch_name[64];          /* that architecture, for messages */
    uint32_t problem_type;       /* from "problem_type" (ALBERT_PROBLEM_*) */
    int vocab_from_weights;      /* a nested config without vocab_size: the word embeddings' rows say it */
} model_config;

static int read_text_file(const char *path, char **text, size_t *size, char *err)
{
    FILE *f = ck_fopen(path, "rb");
    uint64_t file_size = 0;
    size_t n;
    if (!f) { snprintf(err, CK_ERR_LEN, "%s: cannot open: %s", path, strerror(errno)); return -1; }
    if (ck_path_kind(path, &file_size) != CK_PATH_FILE) {
        snprintf(err, CK_ERR_LEN, "%s: cannot read", path);
        fclose(f);
        return -1;
    }
    if (file_size > ((uint64_t)16 << 20)) {
        snprintf(err, CK_ERR_LEN, "%s: too large for a config file (%llu bytes)", path, (unsigned long long)file_size);
        fclose(f);
        return -1;
    }
    n = (size_t)file_size;
    *text = (char *)malloc((size_t)n + 1);
    if (!*text) { snprintf(err, CK_ERR_LEN, "out of memory"); fclose(f); return -1; }
    if (fread(*text, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, CK_ERR_LEN, "%s: read failed", path);
        free(*text);
        fclose(f);
        return -1;
    }
    fclose(f);
    (*text)[n] = '\0';
    *size = (size_t)n;
    return 0;
}

static int parse_json_file(const char *path, json_document *doc, char *err)
{
    char *text;
    size_t size;
    char json_err[256];
    if (read_text_file(path, &text, &size, err) != 0) return -1;
    if (json_parse(text, size, doc, json_err, sizeof(json_err)) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: not valid JSON: %s", path, json_err);
        free(text);
        return -1;
    }
    free(text);
    if (json_root(doc)->type != JSON_OBJECT) {
        snprintf(err, CK_ERR_LEN, "%s: expected a JSON object", path);
        json_free(doc);
        return -1;
    }
    return 0;
}

/* An integer config entry in [min, max]; missing or null gives the default. */
static int config_int(const char *path, const json_document *doc, const char *key, int64_t fallback, int64_t min,
                      int64_t max, uint32_t *out, char *err)
{
    const json_value *v = json_get(doc, json_root(doc), key);
    int64_t value = fallback;
    if (v && v->type != JSON_NULL) {
        if (v->type == JSON_NUMBER && !v->is_integer && v->number == floor(v->number) && fabs(v->number) < 1e15) {
            value = (int64_t)v->number;                    /* 768.0 */
        } else if (v->type != JSON_NUMBER || !v->is_integer) {
            snprintf(err, CK_ERR_LEN, "%s: \"%s\" must be an integer, found %s", path, key, json_type_name(v->type));
            return -1;
        } else {
            value = v->integer;
        }
    }
    if (value < min || value > max) {
        snprintf(err, CK_ERR_LEN, "%s: \"%s\" = %lld is out of range (%lld..%lld)", path, key, (long long)value,
                 (long long)min, (long long)max);
        return -1;
    }
    *out = (uint32_t)value;
    return 0;
}

/* HF ACT2FN names, and the 4 names Google's get_activation() knows. */
static int activation_from_name(const char *name, int google, uint32_t *act, const char *path, char *err)
{
    static const struct { const char *name; albert_activation act; } hf[] = {
        {"gelu", ALBERT_ACT_GELU}, {"gelu_python", ALBERT_ACT_GELU},
        {"gelu_new", ALBERT_ACT_GELU_TANH}, {"gelu_fast", ALBERT_ACT_GELU_TANH},
        {"gelu_pytorch_tanh", ALBERT_ACT_GELU_TANH}, {"gelu_accurate", ALBERT_ACT_GELU_TANH},
        {"relu", ALBERT_ACT_RELU}, {"silu", ALBERT_ACT_SILU}, {"swish", ALBERT_ACT_SILU},
        {"quick_gelu", ALBERT_ACT_QUICK_GELU}, {"tanh", ALBERT_ACT_TANH}, {"sigmoid", ALBERT_ACT_SIGMOID},
        {"linear", ALBERT_ACT_LINEAR}, {"relu6", ALBERT_ACT_RELU6}, {"mish", ALBERT_ACT_MISH},
        {"gelu_10", ALBERT_ACT_GELU_10}, {"relu2", ALBERT_ACT_RELU2}
    };
    size_t i;
    if (google) {
        /* google-research/albert modeling.py get_activation(): lower-cased; its "gelu" is the tanh form */
        char lower[32];
        for (i = 0; name[i] && i + 1 < sizeof(lower); i++) lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        lower[i] = '\0';
        if (strcmp(lower, "gelu") == 0) { *act = ALBERT_ACT_GELU_TANH; note("%s: Google config: \"gelu\" is the tanh approximation (HF gelu_new)", path); return 0; }
        if (strcmp(lower, "relu") == 0) { *act = ALBERT_ACT_RELU; return 0; }
        if (strcmp(lower, "tanh") == 0) { *act = ALBERT_ACT_TANH; return 0; }
        if (strcmp(lower, "linear") == 0) { *act = ALBERT_ACT_LINEAR; return 0; }
        snprintf(err, CK_ERR_LEN, "%s: unknown hidden_act \"%.40s\" (Google ALBERT configs know gelu, relu, tanh, linear)", path, name);
        return -1;
    }
    for (i = 0; i < sizeof(hf) / sizeof(hf[0]); i++) {
        if (strcmp(name, hf[i].name) == 0) {
            *act = (uint32_t)hf[i].act;
            if (strcmp(name, "gelu_accurate") == 0) note("%s: hidden_act gelu_accurate is computed as the tanh GELU (gelu_new)", path);
            return 0;
        }
    }
    snprintf(err, CK_ERR_LEN, "%s: unknown hidden_act \"%.40s\" (supported: gelu, gelu_python, gelu_new, gelu_fast, "
             "gelu_pytorch_tanh, gelu_accurate, relu, silu, swish, quick_gelu, tanh, sigmoid, linear, relu6, mish, "
             "gelu_10, relu2)", path, name);
    return -1;
}

/* id2label {"0": "NEGATIVE", "1": "POSITIVE"} -> names in id order. */
static int read_labels(const char *path, const json_document *doc, model_config *mc, char *err)
{
    const json_value *root = json_root(doc), *id2label = json_get(doc, root, "id2label"), *member;
    uint32_t num_labels = 0;
    int32_t n, id;
    size_t total = 0;
    const json_value **by_id;

    if (json_get(doc, root, "num_labels") && config_int(path, doc, "num_labels", 0, 0, 1 << 20, &num_labels, err) != 0) return -1;
    if (!id2label || id2label->type == JSON_NULL) {
        mc->config_labels = (int32_t)num_labels;
        return 0;
    }
    if (id2label->type != JSON_OBJECT) {
        snprintf(err, CK_ERR_LEN, "%s: \"id2label\" must be an object", path);
        return -1;
    }
    n = id2label->count;
    if (n > (1 << 20) || (num_labels && (int32_t)num_labels != n)) {
        snprintf(err, CK_ERR_LEN, "%s: id2label has %d entries but num_labels is %u", path, (int)n, num_labels);
        return -1;
    }
    by_id = (const json_value **)calloc(n ? (size_t)n : 1u, sizeof(*by_id));
    if (!by_id) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
    for (member = json_first(doc, id2label); member; member = json_next(doc, member)) {
        char *end;
        long value = strtol(member->key, &end, 10);
        if (member->key_length == 0 || *end != '\0' || value < 0 || value >= n || by_id[value] ||
            member->type != JSON_STRING || strlen(member->string) != member->length) {
            snprintf(err, CK_ERR_LEN, "%s: id2label must map each id 0..%d to a label name (entry \"%.40s\")", path,
                     (int)n - 1, member->key);
            free(by_id);
            return -1;
        }
        by_id[value] = member;
        total += member->length + 1;
    }
    mc->label_names = (char *)malloc(total ? total : 1u);
    if (!mc->label_names) { free(by_id); snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
    for (id = 0, total = 0; id < n; id++) {
        memcpy(mc->label_names + total, by_id[id]->string, by_id[id]->length + 1);
        total += by_id[id]->length + 1;
    }
    free(by_id);
    mc->label_names_size = total;
    mc->config_labels = n;
    return 0;
}

/* HF architectures -> the task head (ALBERT_HEAD_*; 0 = encoder-only classes). */
static const struct { const char *name; int head; } known_architectures[] = {
    {"AlbertModel", 0}, {"AlbertForMaskedLM", 0}, {"AlbertForPreTraining", 0},
    {"AlbertForSequenceClassification", ALBERT_HEAD_SEQUENCE_CLASSIFICATION},
    {"AlbertForTokenClassification", ALBERT_HEAD_TOKEN_CLASSIFICATION},
    {"AlbertForQuestionAnswering", ALBERT_HEAD_QUESTION_ANSWERING},
    {"AlbertForMultipleChoice", ALBERT_HEAD_MULTIPLE_CHOICE}
};

/* "architectures" (which AlbertFor... class saved the checkpoint) and "problem_type". */
static int read_head(const char *path, const json_document *doc, model_config *mc, char *err)
{
    const json_value *root = json_root(doc), *list = json_get(doc, root, "architectures"), *v;
    size_t k, n_known = sizeof(known_architectures) / sizeof(known_architectures[0]);
    if (list && list->type != JSON_NULL && list->type != JSON_ARRAY) {
        snprintf(err, CK_ERR_LEN, "%s: \"architectures\" must be a list of class names", path);
        return -1;
    }
    for (v = list && list->type == JSON_ARRAY ? json_first(doc, list) : NULL; v; v = json_next(doc, v)) {
        if (v->type != JSON_STRING) {
            snprintf(err, CK_ERR_LEN, "%s: \"architectures\" must be a list of class names", path);
            return -1;
        }
        for (k = 0; k < n_known; k++) if (strcmp(v->string, known_architectures[k].name) == 0) break;
        if (k == n_known) {
            snprintf(err, CK_ERR_LEN, "%s: unknown architecture \"%.60s\" (albert-convert reads AlbertModel, "
                     "AlbertForMaskedLM, AlbertForPreTraining, AlbertForSequenceClassification, "
                     "AlbertForTokenClassification, AlbertForQuestionAnswering, AlbertForMultipleChoice)", path, v->string);
            return -1;
        }
        if (known_architectures[k].head == 0) continue;
        if (mc->arch_head && mc->arch_head != known_architectures[k].head) {
            snprintf(err, CK_ERR_LEN, "%s: \"architectures\" names two task heads, %s and %s: keep the one the "
                     "checkpoint was trained as", path, mc->arch_name, v->string);
            return -1;
        }
        mc->arch_head = known_architectures[k].head;
        snprintf(mc->arch_name, sizeof(mc->arch_name), "%s", v->string);
    }
    v = json_get(doc, root, "problem_type");
    if (v && v->type != JSON_NULL) {
        if (v->type == JSON_STRING && strcmp(v->string, "regression") == 0) mc->problem_type = ALBERT_PROBLEM_REGRESSION;
        else if (v->type == JSON_STRING && strcmp(v->string, "single_label_classification") == 0)
            mc->problem_type = ALBERT_PROBLEM_SINGLE_LABEL;
        else if (v->type == JSON_STRING && strcmp(v->string, "multi_label_classification") == 0)
            mc->problem_type = ALBERT_PROBLEM_MULTI_LABEL;
        else {
            snprintf(err, CK_ERR_LEN, "%s: unknown problem_type \"%.40s\" (HF's are regression, "
                     "single_label_classification, multi_label_classification)", path,
                     v->type == JSON_STRING ? v->string : json_type_name(v->type));
            return -1;
        }
    }
    return 0;
}

/* A config nested under a key (Kokoro's {"plbert": {...}, "n_token": 178, ...}): the object under --config-key,
   or, when the root has no ALBERT settings, the one member object that has them. */
static int descend_config(const char *path, json_document *doc, const char *key, model_config *mc, char *err)
{
    const json_value *root = json_root(doc), *m, *pick = NULL;
    char names[300] = "";
    int n = 0;
    if (key) {
        pick = json_get(doc, root, key);
        if (!pick || pick->type != JSON_OBJECT) {
            snprintf(err, CK_ERR_LEN, "%s: no object \"%.60s\" (--config-key)", path, key);
            return -1;
        }
    } else {
        if (json_get(doc, root, "hidden_size") || json_get(doc, root, "num_hidden_layers") ||
            json_get(doc, root, "model_type"))
            return 0;
        for (m = json_first(doc, root); m; m = json_next(doc, m)) {
            if (m->type != JSON_OBJECT || !(json_get(doc, m, "hidden_size") || json_get(doc, m, "num_hidden_layers")))
                continue;
            if (strlen(names) + m->key_length + 4 < sizeof(names))
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s\"%s\"", n ? ", " : "", m->key);
            pick = m;
            n++;
        }
        if (n == 0) return 0;
        if (n > 1) {
            snprintf(err, CK_ERR_LEN, "%s: several nested model configs (%s): choose one with --config-key KEY", path, names);
            return -1;
        }
    }
    note("%s: the model config is the object under \"%s\"", path, pick->key);
    json_set_root(doc, pick);
    mc->vocab_from_weights = json_get(doc, pick, "vocab_size") == NULL;
    return 0;
}

static int read_config(const char *path, const char *config_key, model_config *mc, char *err)
{
    json_document doc;
    const json_value *root, *v;
    blob_config *c = &mc->blob;
    int google, i;
    double eps = 1e-12;

    memset(mc, 0, sizeof(*mc));
    for (i = 0; i < 8; i++) c->special_ids[i] = -1;
    if (parse_json_file(path, &doc, err) != 0) return -1;
    if (descend_config(path, &doc, config_key, mc, err) != 0) { json_free(&doc); return -1; }
    root = json_root(&doc);

    v = json_get(&doc, root, "model_type");
    if (v && v->type == JSON_STRING && strcmp(v->string, "albert") != 0) {
        snprintf(err, CK_ERR_LEN, "%s: model_type is \"%.40s\", not an ALBERT config", path, v->string);
        goto fail;
    }
    /* Google's albert_config.json has none of the keys HF's save_pretrained writes. */
    google = is_google_config_name(base_name(path)) ||
             (!v && !json_get(&doc, root, "architectures") && !json_get(&doc, root, "transformers_version") &&
              doc.root == 0);   /* a nested config (Kokoro's plbert) holds HF AlbertConfig arguments */

    if (config_int(path, &doc, "vocab_size", 30000, 1, 1 << 22, &c->vocab_size, err) ||
        config_int(path, &doc, "embedding_size", 128, 1, 1 << 16, &c->embedding_size, err) ||
        config_int(path, &doc, "hidden_size", 4096, 1, 1 << 16, &c->hidden_size, err) ||
        config_int(path, &doc, "num_hidden_layers", 12, 1, 1024, &c->num_hidden_layers, err) ||
        config_int(path, &doc, "num_hidden_groups", 1, 1, 1024, &c->num_hidden_groups, err) ||
        config_int(path, &doc, "num_attention_heads", 64, 1, 1 << 16, &c->num_attention_heads, err) ||
        config_int(path, &doc, "intermediate_size", 16384, 1, 1 << 20, &c->intermediate_size, err) ||
        config_int(path, &doc, "inner_group_num", 1, 1, 64, &c->inner_group_num, err) ||
        config_int(path, &doc, "max_position_embeddings", 512, 1, 1 << 20, &c->max_position_embeddings, err) ||
        config_int(path, &doc, "type_vocab_size", 2, 1, 1 << 16, &c->type_vocab_size, err))
        goto fail;

    v = json_get(&doc, root, "hidden_act");
    if (v && v->type != JSON_NULL) {
        if (v->type != JSON_STRING) { snprintf(err, CK_ERR_LEN, "%s: \"hidden_act\" must be a string", path); goto fail; }
        if (activation_from_name(v->string, google, &c->hidden_act, path, err) != 0) goto fail;
    } else {
        if (activation_from_name(google ? "gelu" : "gelu_new", google, &c->hidden_act, path, err) != 0) goto fail;
    }

    v = json_get(&doc, root, "layer_norm_eps");
    if (v && v->type != JSON_NULL) {
        if (v->type != JSON_NUMBER) { snprintf(err, CK_ERR_LEN, "%s: \"layer_norm_eps\" must be a number", path); goto fail; }
        eps = v->number;
    }
    if (!(eps > 0.0 && eps < 1.0) || (float)eps <= 0.0f) {
        snprintf(err, CK_ERR_LEN, "%s: layer_norm_eps = %g is out of range (0 < eps < 1, representable as float32)", path, eps);
        goto fail;
    }
    c->layer_norm_eps = (float)eps;

    v = json_get(&doc, root, "position_embedding_type");
    if (v && v->type != JSON_NULL && !(v->type == JSON_STRING && strcmp(v->string, "absolute") == 0)) {
        snprintf(err, CK_ERR_LEN, "%s: position_embedding_type \"%.40s\" is not supported (only \"absolute\")", path,
                 v->type == JSON_STRING ? v->string : json_type_name(v->type));
        goto fail;
    }

    if (c->hidden_size % c->num_attention_heads != 0) {
        snprintf(err, CK_ERR_LEN, "%s: num_attention_heads = %u does not divide hidden_size = %u", path,
                 c->num_attention_heads, c->hidden_size);
        goto fail;
    }
    if (c->num_hidden_groups > c->num_hidden_layers || c->num_hidden_layers % c->num_hidden_groups != 0) {
        snprintf(err, CK_ERR_LEN, "%s: num_hidden_groups = %u does not divide num_hidden_layers = %u", path,
                 c->num_hidden_groups, c->num_hidden_layers);
        goto fail;
    }
    if (read_labels(path, &doc, mc, err) != 0) goto fail;

    if (read_head(path, &doc, mc, err) != 0) goto fail;
    json_free(&doc);
    return 0;

fail:
    json_free(&doc);
    free(mc->label_names);
    mc->label_names = NULL;
    return -1;
}

/* ================================================================ name mapping: checkpoint -> blob */

enum { HEAD_NONE, HEAD_POOLER, HEAD_MLM, HEAD_SOP, HEAD_CLASSIFIER, HEAD_QA, HEAD_COUNT };
static const char *const head_names[HEAD_COUNT] = {"encoder", "pooler", "MLM", "SOP", "classifier", "question-answering"};

typedef struct planned_tensor {
    char blob_name[32];
    char hf_name[96];            /* HF name without the "albert." prefix */
    int head;
    int ndim;
    int64_t dims[2];             /* -1: any positive size (the classifier's label count) */
    const ck_tensor *source;     /* the checkpoint tensor, or NULL */
    int identity;                /* proj.w/proj.b synthesised (E == H and no projection in the checkpoint) */
    int transpose;               /* written transposed (brightmart's word_embeddings_2 [E,H] as proj.w [H,E]) */
} planned_tensor;

typedef struct plan {
    planned_tensor *tensors;
    int count, capacity;
} plan;

static int plan_add(plan *p, const char *blob_name, const char *hf_name, int head, int ndim, int64_t d0, int64_t d1)
{
    planned_tensor *t;
    if (p->count == p->capacity) {
        int capacity = p->capacity ? p->capacity * 2 : 64;
        planned_tensor *grown = (planned_tensor *)realloc(p->tensors, (size_t)capacity * sizeof(*grown));
        if (!grown) return -1;
        p->tensors = grown;
        p->capacity = capacity;
    }
    t = &p->tensors[p->count++];
    memset(t, 0, sizeof(*t));
    snprintf(t->blob_name, sizeof(t->blob_name), "%s", blob_name);
    snprintf(t->hf_name, sizeof(t->hf_name), "%s", hf_name);
    t->head = head;
    t->ndim = ndim;
    t->dims[0] = d0;
    t->dims[1] = d1;
    return 0;
}

/* Every tensor of the blob (albert.h "Tensors") with its HF name and shape. */
static int build_plan(const blob_config *c, plan *p)
{
    static const struct { const char *blob, *hf; int kind; } layer[] = {   /* kind: 0 [H,H] 1 [H] 2 [I,H] 3 [I] 4 [H,I] */
        {"q.w", "attention.query.weight", 0}, {"q.b", "attention.query.bias", 1},
        {"k.w", "attention.key.weight", 0}, {"k.b", "attention.key.bias", 1},
        {"v.w", "attention.value.weight", 0}, {"v.b", "attention.value.bias", 1},
        {"o.w", "attention.dense.weight", 0}, {"o.b", "attention.dense.bias", 1},
        {"attn_norm.w", "attention.LayerNorm.weight", 1}, {"attn_norm.b", "attention.LayerNorm.bias", 1},
        {"ffn.w", "ffn.weight", 2}, {"ffn.b", "ffn.bias", 3},
        {"ffn_out.w", "ffn_output.weight", 4}, {"ffn_out.b", "ffn_output.bias", 1},
        {"ffn_norm.w", "full_layer_layer_norm.weight", 1}, {"ffn_norm.b", "full_layer_layer_norm.bias", 1}
    };
    const int64_t V = c->vocab_size, E = c->embedding_size, H = c->hidden_size, I = c->intermediate_size;
    uint32_t g, i;
    size_t k;
    int failed = 0;

    failed |= plan_add(p, "emb.word", "embeddings.word_embeddings.weight", HEAD_NONE, 2, V, E);
    failed |= plan_add(p, "emb.pos", "embeddings.position_embeddings.weight", HEAD_NONE, 2, c->max_position_embeddings, E);
    failed |= plan_add(p, "emb.type", "embeddings.token_type_embeddings.weight", HEAD_NONE, 2, c->type_vocab_size, E);
    failed |= plan_add(p, "emb.norm.w", "embeddings.LayerNorm.weight", HEAD_NONE, 1, E, 0);
    failed |= plan_add(p, "emb.norm.b", "embeddings.LayerNorm.bias", HEAD_NONE, 1, E, 0);
    failed |= plan_add(p, "proj.w", "encoder.embedding_hidden_mapping_in.weight", HEAD_NONE, 2, H, E);
    failed |= plan_add(p, "proj.b", "encoder.embedding_hidden_mapping_in.bias", HEAD_NONE, 1, H, 0);
    for (g = 0; g < c->num_hidden_groups; g++) {
        for (i = 0; i < c->inner_group_num; i++) {
            for (k = 0; k < sizeof(layer) / sizeof(layer[0]); k++) {
                char blob_name[32], hf_name[96];
                static const int ndims[5] = {2, 1, 2, 1, 2};
                const int64_t d0[5] = {H, H, I, I, H}, d1[5] = {H, 0, H, 0, I};
                int kind = layer[k].kind;
                snprintf(blob_name, sizeof(blob_name), "g%u.l%u.%s", g, i, layer[k].blob);
                snprintf(hf_name, sizeof(hf_name), "encoder.albert_layer_groups.%u.albert_layers.%u.%s", g, i, layer[k].hf);
                failed |= plan_add(p, blob_name, hf_name, HEAD_NONE, ndims[kind], d0[kind], d1[kind]);
            }
        }
    }
    failed |= plan_add(p, "pooler.w", "pooler.weight", HEAD_POOLER, 2, H, H);
    failed |= plan_add(p, "pooler.b", "pooler.bias", HEAD_POOLER, 1, H, 0);
    failed |= plan_add(p, "mlm.dense.w", "predictions.dense.weight", HEAD_MLM, 2, E, H);
    failed |= plan_add(p, "mlm.dense.b", "predictions.dense.bias", HEAD_MLM, 1, E, 0);
    failed |= plan_add(p, "mlm.norm.w", "predictions.LayerNorm.weight", HEAD_MLM, 1, E, 0);
    failed |= plan_add(p, "mlm.norm.b", "predictions.LayerNorm.bias", HEAD_MLM, 1, E, 0);
    failed |= plan_add(p, "mlm.bias", "predictions.bias", HEAD_MLM, 1, V, 0);
    failed |= plan_add(p, "sop.w", "sop_classifier.classifier.weight", HEAD_SOP, 2, 2, H);
    failed |= plan_add(p, "sop.b", "sop_classifier.classifier.bias", HEAD_SOP, 1, 2, 0);
    failed |= plan_add(p, "cls.w", "classifier.weight", HEAD_CLASSIFIER, 2, -1, H);
    failed |= plan_add(p, "cls.b", "classifier.bias", HEAD_CLASSIFIER, 1, -1, 0);
    failed |= plan_add(p, "qa.w", "qa_outputs.weight", HEAD_QA, 2, 2, H);
    failed |= plan_add(p, "qa.b", "qa_outputs.bias", HEAD_QA, 1, 2, 0);
    return failed ? -1 : 0;
}

static planned_tensor *plan_find(plan *p, const char *hf_name)
{
    int i;
    for (i = 0; i < p->count; i++) {
        if (strcmp(p->tensors[i].hf_name, hf_name) == 0) return &p->tensors[i];
    }
    return NULL;
}

/* Checkpoint entries that are not weights: buffers, training state, optimizer slots. */
static int is_ignored_name(const char *name)
{
    return ends_with(name, "position_ids") || strstr(name, "global_step") || strstr(name, "adam_m") ||
           strstr(name, "adam_v") || strstr(name, "lamb_m") || strstr(name, "lamb_v") || strstr(name, "Adam") ||
           strstr(name, "beta1_power") ||
           strstr(name, "beta2_power") || strstr(name, "_CHECKPOINTABLE_OBJECT_GRAPH");
}

/* The HF name of a checkpoint tensor without the "albert." prefix: 0, 1 to skip it silently, -1 if unknown.
   TF variables go through the TF reader's name map (its kernels already come transposed to [out, in]). */
static int canonical_name(source_format format, const char *name, char *out, size_t size)
{
    char hf_name[160];
    if (format == FORMAT_TF) {
        int result = ck_tf_to_hf_name(name, hf_name, sizeof(hf_name), NULL);
        if (result != 0) return result;
        name = hf_name;
    }
    if (strncmp(name, "albert.", 7) == 0) name += 7;
    if (strlen(name) >= size) return -1;
    strcpy(out, name);
    return 0;
}

static void shape_text(char *out, size_t size, int ndim, const int64_t *dims)
{
    size_t used;
    int i;
    snprintf(out, size, "[");
    for (i = 0; i < ndim; i++) {
        used = strlen(out);
        if (dims[i] < 0) snprintf(out + used, size - used, "%sN", i ? ", " : "");
        else snprintf(out + used, size - used, "%s%lld", i ? ", " : "", (long long)dims[i]);
    }
    used = strlen(out);
    snprintf(out + used, size - used, "]");
}

static int check_shape(const char *path, const planned_tensor *t, char *err)
{
    const ck_tensor *v = t->source;
    int ok = v->ndim == t->ndim, i;
    for (i = 0; ok && i < t->ndim; i++) ok = t->dims[i] < 0 ? v->dims[i] >= 1 : v->dims[i] == t->dims[i];
    if (!ok) {
        char expected[64], found[160];
        shape_text(expected, sizeof(expected), t->ndim, t->dims);
        shape_text(found, sizeof(found), v->ndim, v->dims);
        snprintf(err, CK_ERR_LEN, "%s: tensor %s has shape %s, expected %s", path, v->name, found, expected);
        return -1;
    }
    return 0;
}

/* ================================================================ conversion */

typedef struct conversion {
    const options *options;
    sources src;
    model_config config;
    ck_file checkpoint;
    int checkpoint_open;
    plan plan;
    int brightmart;              /* a brightmart albert_zh checkpoint: TF names mapped by brightmart_plan */
    const ck_tensor *decoder_weight, *decoder_bias;   /* tied aliases, when the checkpoint lists them */
    int n_unused, n_ignored;
    char prefix[256];            /* wrapped checkpoints: what comes before the encoder's names ("state_dict.") */
    const ck_tensor *word_embeddings;   /* the encoder's word embeddings (found by find_encoder) */
    int n_foreign;               /* tensors of other sub-models, skipped */
    blob_writer *writer;
    float *buffer, *buffer2;
    uint32_t n_written;
    uint64_t bytes_written;
    uint32_t tokenizer_entries;
} conversion;

static int open_checkpoint(conversion *cv, char *err)
{
    const char *path = cv->src.weights;
    switch (cv->src.format) {
    case FORMAT_SAFETENSORS: if (ck_open_safetensors(path, &cv->checkpoint, err) != 0) return -1; break;
    case FORMAT_TORCH: if (ck_open_torch(path, &cv->checkpoint, err) != 0) return -1; break;
    case FORMAT_TF:
        if (ck_open_tf(path, &cv->checkpoint, err) != 0) return -1;
        cv->brightmart = ck_tf_is_brightmart(&cv->checkpoint);
        break;
    case FORMAT_AUTO: snprintf(err, CK_ERR_LEN, "%s: unknown format", path); return -1;
    }
    cv->checkpoint_open = 1;
    return 0;
}

#define ENCODER_ANCHOR "embeddings.word_embeddings.weight"

/* A checkpoint name without the wrapper prefix and DataParallel's "module." (NULL: outside the wrapper). */
static const char *unwrapped_name(const conversion *cv, const char *name)
{
    size_t n = strlen(cv->prefix);
    if (strncmp(name, cv->prefix, n) != 0) return NULL;
    name += n;
    while (strncmp(name, "module.", 7) == 0) name += 7;
    return name;
}

/* Lists the first name components of the checkpoint with their tensor counts ("a (12), b (3)") into out. */
static void describe_checkpoint(const ck_file *f, char *out, size_t size)
{
    int i, j, shown = 0;
    out[0] = '\0';
    for (i = 0; i < f->n_tensors && shown < 8; i++) {
        const char *dot = strchr(f->tensors[i].name, '.');
        size_t len = dot ? (size_t)(dot - f->tensors[i].name) : strlen(f->tensors[i].name), used;
        int count = 0, seen = 0;
        for (j = 0; j < i && !seen; j++) seen = strncmp(f->tensors[j].name, f->tensors[i].name, len) == 0 &&
                                               (f->tensors[j].name[len] == '.' || f->tensors[j].name[len] == '\0');
        if (seen) continue;
        for (j = 0; j < f->n_tensors; j++)
            count += strncmp(f->tensors[j].name, f->tensors[i].name, len) == 0 &&
                     (f->tensors[j].name[len] == '.' || f->tensors[j].name[len] == '\0');
        used = strlen(out);
        snprintf(out + used, size - used, "%s%.*s (%d tensor%s)", shown ? ", " : "", (int)(len < 60 ? len : 60),
                 f->tensors[i].name, count, count == 1 ? "" : "s");
        shown++;
    }
}

/* Wrapped checkpoints: the encoder's tensors may sit under a prefix, from nested state dicts ({"state_dict":
   ...} is read as "state_dict.albert.embeddings..."), sub-models ("net.bert.") or DataParallel ("module.").
   The prefix is what precedes the word embeddings (without HF's "albert."); --submodel picks one of several. */
static int find_encoder(conversion *cv, char *err)
{
    const ck_file *f = &cv->checkpoint;
    const char *submodel = cv->options->submodel;
    const size_t anchor_len = strlen(ENCODER_ANCHOR);
    char found[600] = "", what[400];
    int i, n_found = 0;
    cv->prefix[0] = '\0';
    if (cv->src.format == FORMAT_TF) {
        if (submodel) { snprintf(err, CK_ERR_LEN, "--submodel applies to PyTorch and safetensors checkpoints"); return -1; }
        return 0;
    }
    for (i = 0; i < f->n_tensors; i++) {
        const char *name = f->tensors[i].name;
        size_t n = strlen(name), p;
        char prefix[256];
        if (n < anchor_len || strcmp(name + n - anchor_len, ENCODER_ANCHOR) != 0) continue;
        p = n - anchor_len;
        if (p > 0 && name[p - 1] != '.') continue;
        if (p >= 7 && strncmp(name + p - 7, "albert.", 7) == 0 && (p == 7 || name[p - 8] == '.')) p -= 7;
        if (p >= sizeof(prefix)) continue;
        memcpy(prefix, name, p);
        prefix[p] = '\0';
        if (submodel) {   /* "bert" matches "bert.", "net.bert.", "bert.module." ... */
            size_t k = strlen(submodel);
            const char *at = strstr(prefix, submodel);
            if (!at || (at != prefix && at[-1] != '.') || at[k] != '.') continue;
        }
        if (n_found == 0) {
            snprintf(cv->prefix, sizeof(cv->prefix), "%s", prefix);
            cv->word_embeddings = &f->tensors[i];
        }
        if (strlen(found) + p + 8 < sizeof(found))
            snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s\"%s\"", n_found ? ", " : "", prefix);
        n_found++;
    }
    if (n_found == 1) {
        if (cv->prefix[0]) note("the encoder's tensors are under \"%s\" (a wrapped checkpoint)", cv->prefix);
        return 0;
    }
    describe_checkpoint(f, what, sizeof(what));
    if (n_found > 1)
        snprintf(err, CK_ERR_LEN, "%.180s: several ALBERT encoders (under %.240s): choose one with --submodel NAME", f->path, found);
    else if (submodel)
        snprintf(err, CK_ERR_LEN, "%s: no ALBERT encoder under a sub-model \"%s\"; the checkpoint holds: %s", f->path,
                 submodel, what[0] ? what : "no tensors");
    else
        snprintf(err, CK_ERR_LEN, "%s: no ALBERT encoder found (no tensor named [...]" ENCODER_ANCHOR "); the checkpoint "
                 "holds: %s", f->path, what[0] ? what : "no tensors");
    return -1;
}

/* Assigns every checkpoint tensor to a planned blob tensor, an alias, the ignore list or "not used". */
static int match_tensors(conversion *cv, char *err)
{
    const ck_file *f = &cv->checkpoint;
    int i;
    for (i = 0; i < f->n_tensors; i++) {
        const ck_tensor *t = &f->tensors[i];
        const char *inner = unwrapped_name(cv, t->name);
        char name[96];
        int known;
        planned_tensor *target;
        if (!inner) { cv->n_foreign++; continue; }   /* another sub-model of a wrapped checkpoint */
        if (is_ignored_name(inner)) { cv->n_ignored++; continue; }
        if (cv->brightmart) known = strlen(inner) < sizeof(name) ? (strcpy(name, inner), 0) : -1;   /* TF names */
        else known = canonical_name(cv->src.format, inner, name, sizeof(name));
        if (known == 1) { cv->n_ignored++; continue; }
        if (known != 0) {
            warn("not used: %s", t->name);
            cv->n_unused++;
            continue;
        }
        if (strcmp(name, "predictions.decoder.weight") == 0 || strcmp(name, "predictions.decoder.bias") == 0) {
            const ck_tensor **alias = ends_with(name, ".weight") ? &cv->decoder_weight : &cv->decoder_bias;
            if (*alias) {
                snprintf(err, CK_ERR_LEN, "%s: %s appears twice (as %s and %s)", f->path, name, (*alias)->name, t->name);
                return -1;
            }
            *alias = t;
            continue;
        }
        target = plan_find(&cv->plan, name);
        if (!target) {
            warn("not used: %s", t->name);
            cv->n_unused++;
            continue;
        }
        if (target->source) {
            snprintf(err, CK_ERR_LEN, "%s: %s appears twice (as %s and %s)", f->path, name, target->source->name, t->name);
            return -1;
        }
        target->source = t;
    }
    return 0;
}

static int same_tensor_data(const ck_tensor *a, const ck_tensor *b)
{
    int i;
    if (a->data != b->data || a->dtype != b->dtype || a->ndim != b->ndim) return 0;
    for (i = 0; i < a->ndim; i++) if (a->dims[i] != b->dims[i] || a->strides[i] != b->strides[i]) return 0;
    return 1;
}

/* predictions.decoder.{weight,bias} must be the tied copies of the word embeddings / predictions.bias
   (validate_plan has made sure the target is present and has the right shape). */
static int check_alias(conversion *cv, const ck_tensor *alias, const planned_tensor *target, char *err)
{
    const char *path = cv->checkpoint.path;
    int64_t n = ck_numel(target->source);
    int i, same_shape = alias->ndim == target->source->ndim;
    for (i = 0; same_shape && i < alias->ndim; i++) same_shape = alias->dims[i] == target->source->dims[i];
    if (!same_shape) {
        snprintf(err, CK_ERR_LEN, "%s: %s (tied to %s) has a different shape", path, alias->name, target->source->name);
        return -1;
    }
    if (same_tensor_data(alias, target->source)) return 0;
    if (ck_read_f32(&cv->checkpoint, target->source, cv->buffer, n, err) != 0 ||
        ck_read_f32(&cv->checkpoint, alias, cv->buffer2, n, err) != 0)
        return -1;
    if (memcmp(cv->buffer, cv->buffer2, (size_t)n * sizeof(float)) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: %s differs from %s; an untied MLM decoder is not supported", path, alias->name,
                 target->source->name);
        return -1;
    }
    return 0;
}

static void drop_head(conversion *cv, const char *hf_weight, const char *hf_bias, const char *why)
{
    planned_tensor *t[2];
    int i;
    t[0] = plan_find(&cv->plan, hf_weight);
    t[1] = plan_find(&cv->plan, hf_bias);
    for (i = 0; i < 2; i++) {
        if (!t[i]->source) continue;
        warn("not used: %s (%s)", t[i]->source->name, why);
        t[i]->source = NULL;
        cv->n_unused++;
    }
}

/* Which task head the checkpoint carries (header byte 132): the one `architectures` names, else the one its
   tensors show; two candidates or a named head without its tensors is an error, not a guess. Sets num_labels,
   the head kind and the problem type. Runs after the shapes were checked. */
static int decide_head(conversion *cv, char *err)
{
    const char *path = cv->checkpoint.path, *config = cv->src.config;
    model_config *mc = &cv->config;
    planned_tensor *cls_w = plan_find(&cv->plan, "classifier.weight"), *qa_w = plan_find(&cv->plan, "qa_outputs.weight");
    int has_cls = cls_w->source != NULL, has_qa = qa_w->source != NULL;
    int has_pooler = plan_find(&cv->plan, "pooler.weight")->source != NULL, head = mc->arch_head;
    int64_t rows = has_cls ? cls_w->source->dims[0] : 0;
    char why[128];

    if (head) {
        int needs_qa = head == ALBERT_HEAD_QUESTION_ANSWERING;
        if (needs_qa ? !has_qa : !has_cls) {
            snprintf(err, CK_ERR_LEN, "%s: %s names %s, but the checkpoint has no %s (a checkpoint of another class "
                     "saved with this config?)", path, config, mc->arch_name,
                     needs_qa ? "qa_outputs.weight / qa_outputs.bias" : "classifier.weight / classifier.bias");
            return -1;
        }
        snprintf(why, sizeof(why), "%s names %s", base_name(config), mc->arch_name);
        if (needs_qa) drop_head(cv, "classifier.weight", "classifier.bias", why);
        else drop_head(cv, "qa_outputs.weight", "qa_outputs.bias", why);
    } else if (has_cls && has_qa) {
        snprintf(err, CK_ERR_LEN, "%s: two candidate heads, classifier.* and qa_outputs.*, and %s has no "
                 "\"architectures\" saying which (add e.g. \"architectures\": [\"AlbertForQuestionAnswering\"])",
                 path, config);
        return -1;
    } else if (has_qa) {
        head = ALBERT_HEAD_QUESTION_ANSWERING;
    } else if (has_cls && !has_pooler) {
        head = ALBERT_HEAD_TOKEN_CLASSIFICATION;   /* AlbertForTokenClassification is the one without a pooler */
        note("a classifier without the pooler and no \"architectures\" in %s: a token classifier "
             "(AlbertForTokenClassification)", config);
    } else if (has_cls && rows == 1 && !mc->problem_type) {
        snprintf(err, CK_ERR_LEN, "%s: two candidate heads: classifier.weight [1, H] with the pooler is "
                 "AlbertForSequenceClassification with one label or AlbertForMultipleChoice, and %s has no "
                 "\"architectures\" saying which", path, config);
        return -1;
    } else if (has_cls) {
        head = ALBERT_HEAD_SEQUENCE_CLASSIFICATION;
    }

    if ((head == ALBERT_HEAD_SEQUENCE_CLASSIFICATION || head == ALBERT_HEAD_MULTIPLE_CHOICE) && !has_pooler) {
        snprintf(err, CK_ERR_LEN, "%s: the %s head needs the pooler (albert.pooler.*), which is missing", path,
                 head == ALBERT_HEAD_MULTIPLE_CHOICE ? "multiple-choice" : "sequence-classification");
        return -1;
    }
    if (head == ALBERT_HEAD_MULTIPLE_CHOICE && rows != 1) {
        snprintf(err, CK_ERR_LEN, "%s: classifier.weight has %lld rows; AlbertForMultipleChoice's has 1 (one score per "
                 "choice)", path, (long long)rows);
        return -1;
    }
    if (head == ALBERT_HEAD_SEQUENCE_CLASSIFICATION || head == ALBERT_HEAD_TOKEN_CLASSIFICATION) {
        mc->blob.num_labels = (uint32_t)rows;
        if (mc->config_labels && mc->config_labels != rows) {
            snprintf(err, CK_ERR_LEN, "%s names %d labels (id2label / num_labels) but classifier.weight has %lld rows",
                     config, (int)mc->config_labels, (long long)rows);
            return -1;
        }
    } else {   /* one score per choice, or start + end: no label names */
        mc->blob.num_labels = head == ALBERT_HEAD_QUESTION_ANSWERING ? 2 : head == ALBERT_HEAD_MULTIPLE_CHOICE ? 1 : 0;
        free(mc->label_names);
        mc->label_names = NULL;
    }
    mc->blob.head_kind = (uint32_t)head;
    mc->blob.problem_type = head == ALBERT_HEAD_SEQUENCE_CLASSIFICATION ? mc->problem_type : 0;
    return 0;
}

/* Presence and shape of everything, before anything is written. */
static int validate_plan(conversion *cv, char *err)
{
    const char *path = cv->checkpoint.path;
    const blob_config *c = &cv->config.blob;
    int found[HEAD_COUNT] = {0}, total[HEAD_COUNT] = {0}, i, h;
    planned_tensor *cls_w = plan_find(&cv->plan, "classifier.weight"), *cls_b = plan_find(&cv->plan, "classifier.bias");

    if (cv->decoder_bias) {   /* predictions.bias may be stored only as the decoder's alias: use that */
        planned_tensor *bias = plan_find(&cv->plan, "predictions.bias");
        if (!bias->source) { bias->source = cv->decoder_bias; cv->decoder_bias = NULL; }
    }
    for (i = 0; i < cv->plan.count; i++) {
        planned_tensor *t = &cv->plan.tensors[i];
        total[t->head]++;
        if (t->source) found[t->head]++;
    }
    /* TF writes no projection when E == H (Google's modeling.py skips it): use the identity. */
    if (c->embedding_size == c->hidden_size && !cv->brightmart) {
        planned_tensor *w = plan_find(&cv->plan, "encoder.embedding_hidden_mapping_in.weight");
        planned_tensor *b = plan_find(&cv->plan, "encoder.embedding_hidden_mapping_in.bias");
        if (!w->source && !b->source) {
            w->identity = b->identity = 1;
            note("no embedding projection in the checkpoint (embedding_size == hidden_size): using the identity");
        }
    }
    for (i = 0; i < cv->plan.count; i++) {
        planned_tensor *t = &cv->plan.tensors[i];
        if (t->head == HEAD_NONE && !t->source && !t->identity) {
            char expected[64];
            shape_text(expected, sizeof(expected), t->ndim, t->dims);
            if (cv->brightmart)
                snprintf(err, CK_ERR_LEN, "%s: missing tensor %s %s (a brightmart albert_zh checkpoint)", path,
                         t->hf_name, expected);
            else
                snprintf(err, CK_ERR_LEN, "%s: missing tensor %s %s (albert.%s)", path, t->hf_name, expected, t->hf_name);
            return -1;
        }
    }
    for (h = HEAD_POOLER; h < HEAD_COUNT; h++) {
        if (found[h] == 0 || found[h] == total[h]) continue;
        for (i = 0; i < cv->plan.count; i++) {
            planned_tensor *t = &cv->plan.tensors[i];
            if (t->head == h && !t->source) {
                snprintf(err, CK_ERR_LEN, "%s: incomplete %s head: %s is missing (the head has %d of its %d tensors)",
                         path, head_names[h], t->hf_name, found[h], total[h]);
                return -1;
            }
        }
    }
    for (i = 0; i < cv->plan.count; i++) {
        planned_tensor *t = &cv->plan.tensors[i];
        if (t->source && check_shape(path, t, err) != 0) return -1;
    }
    if (cls_w && cls_w->source) {
        if (cls_b->source->dims[0] != cls_w->source->dims[0]) {
            snprintf(err, CK_ERR_LEN, "%s: classifier.weight has %lld rows but classifier.bias %lld entries", path,
                     (long long)cls_w->source->dims[0], (long long)cls_b->source->dims[0]);
            return -1;
        }
        if (cls_w->source->dims[0] > (1 << 20)) {
            snprintf(err, CK_ERR_LEN, "%s: classifier.weight has %lld rows (at most 2^20 labels)", path, (long long)cls_w->source->dims[0]);
            return -1;
        }
        cls_w->dims[0] = cls_b->dims[0] = cls_w->source->dims[0];
    }
    return cv->brightmart ? 0 : decide_head(cv, err);   /* brightmart's plan has no task heads */
}

/* ================================================================ brightmart albert_zh */
/* brightmart/albert_zh (github.com/brightmart/albert_zh: modeling.py, run_pretraining.py) trained its own graph,
   which albert.h runs as architecture 1 (header bytes 160 and 164, see albert.h "THE MODEL FILE"):
   word_embeddings [V,E] times word_embeddings_2 [E,H] (no bias) BEFORE the position [P,H] and token-type [T,H]
   embeddings are added, then LayerNorm over H; one shared layer bert/encoder/layer_shared/ with BERT's names,
   post-LN, or pre-LN when the config's ln_type is not "postln"; the MLM transform is [H,H] and its decoder goes
   back through word_embeddings_2 before the word table. Its TF checkpoints also hold LAMB / Adam slots and
   global_step (skipped by is_ignored_name). */

/* brightmart's albert_config*.json (tools/bm_config.c: their BertConfig defaults, embedding_size and ln_type
   required, their get_activation, epsilon 1e-12). */
static int read_brightmart_config(const char *path, model_config *mc, char *err)
{
    char *text, notes[CK_ERR_LEN];
    size_t size;
    int i, result;
    memset(mc, 0, sizeof(*mc));
    for (i = 0; i < 8; i++) mc->blob.special_ids[i] = -1;
    if (read_text_file(path, &text, &size, err) != 0) return -1;
    result = bm_parse_config(text, size, path, &mc->blob, notes, err);
    free(text);
    if (result == 0 && notes[0]) note("%s", notes);
    return result;
}

/* The blob tensors of a brightmart checkpoint, keyed by their TF names (planned_tensor.hf_name). ck_open_tf reports
   kernels as [out, in] already; word_embeddings_2 [E,H] is no kernel and is written transposed as proj.w [H,E]. */
static int brightmart_plan(const blob_config *c, plan *p)
{
    static const struct { const char *blob, *tf; int kind; } layer[] = {   /* kind: 0 [H,H] 1 [H] 2 [I,H] 3 [I] 4 [H,I] */
        {"q.w", "attention/self/query/kernel", 0}, {"q.b", "attention/self/query/bias", 1},
        {"k.w", "attention/self/key/kernel", 0}, {"k.b", "attention/self/key/bias", 1},
        {"v.w", "attention/self/value/kernel", 0}, {"v.b", "attention/self/value/bias", 1},
        {"o.w", "attention/output/dense/kernel", 0}, {"o.b", "attention/output/dense/bias", 1},
        {"attn_norm.w", "attention/output/LayerNorm/gamma", 1}, {"attn_norm.b", "attention/output/LayerNorm/beta", 1},
        {"ffn.w", "intermediate/dense/kernel", 2}, {"ffn.b", "intermediate/dense/bias", 3},
        {"ffn_out.w", "output/dense/kernel", 4}, {"ffn_out.b", "output/dense/bias", 1},
        {"ffn_norm.w", "output/LayerNorm/gamma", 1}, {"ffn_norm.b", "output/LayerNorm/beta", 1}
    };
    static const int ndims[5] = {2, 1, 2, 1, 2};
    const int64_t V = c->vocab_size, E = c->embedding_size, H = c->hidden_size, I = c->intermediate_size;
    const int64_t d0[5] = {H, H, I, I, H}, d1[5] = {H, 0, H, 0, I};
    size_t k;
    int failed = 0;

    failed |= plan_add(p, "emb.word", "bert/embeddings/word_embeddings", HEAD_NONE, 2, V, E);
    failed |= plan_add(p, "proj.w", "bert/embeddings/word_embeddings_2", HEAD_NONE, 2, E, H);
    if (!failed) p->tensors[p->count - 1].transpose = 1;
    failed |= plan_add(p, "emb.pos", "bert/embeddings/position_embeddings", HEAD_NONE, 2, c->max_position_embeddings, H);
    failed |= plan_add(p, "emb.type", "bert/embeddings/token_type_embeddings", HEAD_NONE, 2, c->type_vocab_size, H);
    failed |= plan_add(p, "emb.norm.w", "bert/embeddings/LayerNorm/gamma", HEAD_NONE, 1, H, 0);
    failed |= plan_add(p, "emb.norm.b", "bert/embeddings/LayerNorm/beta", HEAD_NONE, 1, H, 0);
    for (k = 0; k < sizeof(layer) / sizeof(layer[0]); k++) {
        char blob_name[32], tf_name[96];
        int kind = layer[k].kind;
        snprintf(blob_name, sizeof(blob_name), "g0.l0.%s", layer[k].blob);
        snprintf(tf_name, sizeof(tf_name), "bert/encoder/layer_shared/%s", layer[k].tf);
        failed |= plan_add(p, blob_name, tf_name, HEAD_NONE, ndims[kind], d0[kind], d1[kind]);
    }
    failed |= plan_add(p, "pooler.w", "bert/pooler/dense/kernel", HEAD_POOLER, 2, H, H);
    failed |= plan_add(p, "pooler.b", "bert/pooler/dense/bias", HEAD_POOLER, 1, H, 0);
    failed |= plan_add(p, "mlm.dense.w", "cls/predictions/transform/dense/kernel", HEAD_MLM, 2, H, H);
    failed |= plan_add(p, "mlm.dense.b", "cls/predictions/transform/dense/bias", HEAD_MLM, 1, H, 0);
    failed |= plan_add(p, "mlm.norm.w", "cls/predictions/transform/LayerNorm/gamma", HEAD_MLM, 1, H, 0);
    failed |= plan_add(p, "mlm.norm.b", "cls/predictions/transform/LayerNorm/beta", HEAD_MLM, 1, H, 0);
    failed |= plan_add(p, "mlm.bias", "cls/predictions/output_bias", HEAD_MLM, 1, V, 0);
    /* the decoder's H -> E step: word_embeddings_2 as stored (brightmart_share_projection sets its source) */
    failed |= plan_add(p, "bm.mlm.proj.w", "bert/embeddings/word_embeddings_2 (MLM decoder)", HEAD_MLM, 2, E, H);
    failed |= plan_add(p, "sop.w", "cls/seq_relationship/output_weights", HEAD_SOP, 2, 2, H);
    failed |= plan_add(p, "sop.b", "cls/seq_relationship/output_bias", HEAD_SOP, 1, 2, 0);
    return failed ? -1 : 0;
}

/* The MLM decoder reads word_embeddings_2 too: give bm.mlm.proj.w the same source when the checkpoint has the
   rest of the MLM head (cls/predictions/...). */
static void brightmart_share_projection(conversion *cv)
{
    planned_tensor *decoder = plan_find(&cv->plan, "bert/embeddings/word_embeddings_2 (MLM decoder)");
    int i, mlm = 0;
    for (i = 0; i < cv->plan.count; i++)
        if (cv->plan.tensors[i].head == HEAD_MLM && cv->plan.tensors[i].source) mlm = 1;
    if (mlm) decoder->source = plan_find(&cv->plan, "bert/embeddings/word_embeddings_2")->source;
}

/* The weight matrices that --dtype applies to (albert.h reads these in f32, f16 or q8). */
static int is_layer_matrix(const char *name);

static int is_weight_matrix(const char *name)
{
    if (strcmp(name, "emb.word") == 0 || strcmp(name, "proj.w") == 0 || strcmp(name, "pooler.w") == 0 ||
        strcmp(name, "mlm.dense.w") == 0 || strcmp(name, "bm.mlm.proj.w") == 0)
        return 1;
    return is_layer_matrix(name);
}

/* The encoder layers' matrices g<g>.l<i>.{q,k,v,o,ffn,ffn_out}.w (int8 and bf16 write them packed). */
static int is_layer_matrix(const char *name)
{
    size_t n = strlen(name);
    if (name[0] != 'g') return 0;
    return (n > 4 && (strcmp(name + n - 4, ".q.w") == 0 || strcmp(name + n - 4, ".k.w") == 0 ||
                      strcmp(name + n - 4, ".v.w") == 0 || strcmp(name + n - 4, ".o.w") == 0)) ||
           (n > 6 && strcmp(name + n - 6, ".ffn.w") == 0) || (n > 10 && strcmp(name + n - 10, ".ffn_out.w") == 0);
}

static int write_f32(conversion *cv, const char *name, int ndim, const int64_t *dims, const float *data, char *err)
{
    uint32_t blob_dims[2];
    uint64_t n = 1;
    int i, dtype = cv->options->dtype;
    uint64_t j;
    for (i = 0; i < ndim; i++) { blob_dims[i] = (uint32_t)dims[i]; n *= (uint64_t)dims[i]; }
    for (j = 0; j < n; j++) /* a NaN or infinite weight means a damaged checkpoint: never write it */
        if (!isfinite(data[j])) {
            snprintf(err, CK_ERR_LEN, "tensor %s: element %llu is %s (the checkpoint is damaged)", name,
                     (unsigned long long)j, data[j] != data[j] ? "NaN" : "infinite");
            return -1;
        }
    if (ndim == 2 && (dtype == BLOB_Q8 || dtype == BLOB_BF16) && is_layer_matrix(name)) {
        if (blob_add_matrix_packed(cv->writer, name, dtype, blob_dims[0], blob_dims[1], data, err) != 0) return -1;
        cv->bytes_written += dtype == BLOB_BF16 ? n * 2 : n + (uint64_t)blob_dims[0] * 8;
    } else if (ndim == 2 && dtype != BLOB_F32 && dtype != BLOB_BF16 && is_weight_matrix(name)) {
        if (blob_add_matrix(cv->writer, name, dtype, blob_dims[0], blob_dims[1], data, err) != 0) return -1;
        cv->bytes_written += dtype == BLOB_F16 ? n * 2 : n + (uint64_t)blob_dims[0] * sizeof(float);
    } else {
        if (blob_add(cv->writer, name, BLOB_F32, ndim, blob_dims, data, n * sizeof(float), err) != 0) return -1;
        cv->bytes_written += n * sizeof(float);
    }
    cv->n_written++;
    return 0;
}

/* A [rows, cols] matrix written as its transpose [cols, rows]. */
static int write_transposed(conversion *cv, const char *name, const int64_t *dims, const float *data, char *err)
{
    int64_t rows = dims[0], cols = dims[1], r, k, t_dims[2];
    float *t = (float *)malloc((size_t)(rows * cols) * sizeof(float) + 1);
    int result;
    if (!t) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
    for (r = 0; r < rows; r++)
        for (k = 0; k < cols; k++) t[k * rows + r] = data[r * cols + k];
    t_dims[0] = cols;
    t_dims[1] = rows;
    result = write_f32(cv, name, 2, t_dims, t, err);
    free(t);
    return result;
}

/* The label names, "LABEL_<i>" when the config has none. */
static int write_labels(conversion *cv, char *err)
{
    uint32_t n = cv->config.blob.num_labels, i, dims[1];
    char *names = cv->config.label_names;
    size_t size = cv->config.label_names_size;
    int result;
    if (!names) {
        char *p;
        size = (size_t)n * 20;
        names = (char *)malloc(size);
        if (!names) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
        for (i = 0, p = names; i < n; i++) p += sprintf(p, "LABEL_%u", i) + 1;
        size = (size_t)(p - names);
    }
    dims[0] = (uint32_t)size;
    result = blob_add(cv->writer, "cls.labels", BLOB_U8, 1, dims, names, size, err);
    if (names != cv->config.label_names) free(names);
    if (result == 0) { cv->n_written++; cv->bytes_written += size; }
    return result;
}

static int write_weights(conversion *cv, char *err)
{
    int64_t largest = 0, i;
    planned_tensor *word = plan_find(&cv->plan, "embeddings.word_embeddings.weight");

    for (i = 0; i < cv->plan.count; i++) {
        planned_tensor *t = &cv->plan.tensors[i];
        int64_t n = t->source ? ck_numel(t->source) : t->identity ? t->dims[0] * (t->ndim == 2 ? t->dims[1] : 1) : 0;
        if (n > largest) largest = n;
    }
    if ((uint64_t)largest > SIZE_MAX / sizeof(float)) { snprintf(err, CK_ERR_LEN, "tensors too large for this machine"); return -1; }
    cv->buffer = (float *)malloc((size_t)(largest ? largest : 1) * sizeof(float));
    if (!cv->buffer) { snprintf(err, CK_ERR_LEN, "out of memory (%lld floats)", (long long)largest); return -1; }

    if (cv->decoder_weight || cv->decoder_bias) {
        cv->buffer2 = (float *)malloc((size_t)(largest ? largest : 1) * sizeof(float));
        if (!cv->buffer2) { snprintf(err, CK_ERR_LEN, "out of memory"); return -1; }
        if (cv->decoder_weight && check_alias(cv, cv->decoder_weight, word, err) != 0) return -1;
        if (cv->decoder_bias && check_alias(cv, cv->decoder_bias, plan_find(&cv->plan, "predictions.bias"), err) != 0) return -1;
        free(cv->buffer2);
        cv->buffer2 = NULL;
    }

    for (i = 0; i < cv->plan.count; i++) {
        planned_tensor *t = &cv->plan.tensors[i];
        if (t->identity) {
            int64_t n = t->dims[0] * (t->ndim == 2 ? t->dims[1] : 1), r;
            memset(cv->buffer, 0, (size_t)n * sizeof(float));
            if (t->ndim == 2) for (r = 0; r < t->dims[0]; r++) cv->buffer[r * t->dims[1] + r] = 1.0f;
            if (write_f32(cv, t->blob_name, t->ndim, t->dims, cv->buffer, err) != 0) return -1;
        } else if (t->source) {
            if (ck_read_f32(&cv->checkpoint, t->source, cv->buffer, ck_numel(t->source), err) != 0) return -1;
            if (t->transpose) {
                if (write_transposed(cv, t->blob_name, t->source->dims, cv->buffer, err) != 0) return -1;
            } else if (write_f32(cv, t->blob_name, t->ndim, t->source->dims, cv->buffer, err) != 0) {
                return -1;
            }
        }
    }
    if ((cv->config.blob.head_kind == ALBERT_HEAD_SEQUENCE_CLASSIFICATION ||
         cv->config.blob.head_kind == ALBERT_HEAD_TOKEN_CLASSIFICATION) && write_labels(cv, err) != 0)
        return -1;
    free(cv->buffer);
    cv->buffer = NULL;
    return 0;
}

/* tokenizer_config.json: HF's per-model tokenizer settings override the tokenizer reader's defaults. */
static int apply_tokenizer_config(const char *path, blob_config *c, char *err)
{
    static const struct { const char *key; uint32_t flag; } flags[] = {
        {"do_lower_case", ALBERT_TOKENIZER_LOWER_CASE}, {"remove_space", ALBERT_TOKENIZER_REMOVE_SPACE},
        {"keep_accents", ALBERT_TOKENIZER_KEEP_ACCENTS}, {"tokenize_chinese_chars", ALBERT_TOKENIZER_CHINESE_CHARS}
    };
    json_document doc;
    const json_value *root, *v;
    size_t i;
    if (parse_json_file(path, &doc, err) != 0) return -1;
    root = json_root(&doc);
    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        v = json_get(&doc, root, flags[i].key);
        if (!v || v->type == JSON_NULL) continue;
        if (v->type != JSON_TRUE && v->type != JSON_FALSE) {
            snprintf(err, CK_ERR_LEN, "%s: \"%s\" must be true or false", path, flags[i].key);
            json_free(&doc);
            return -1;
        }
        if (v->type == JSON_TRUE) c->tokenizer_flags |= flags[i].flag;
        else c->tokenizer_flags &= ~flags[i].flag;
    }
    if (c->tokenizer_kind == ALBERT_TOKENIZER_WORDPIECE) {
        /* BertTokenizer: strip_accents null/absent follows do_lower_case */
        v = json_get(&doc, root, "strip_accents");
        int strip = (v && (v->type == JSON_TRUE || v->type == JSON_FALSE)) ? v->type == JSON_TRUE
                    : (c->tokenizer_flags & ALBERT_TOKENIZER_LOWER_CASE) != 0;
        if (strip) c->tokenizer_flags |= ALBERT_TOKENIZER_STRIP_ACCENTS;
        else c->tokenizer_flags &= ~(uint32_t)ALBERT_TOKENIZER_STRIP_ACCENTS;
    }
    json_free(&doc);
    note("tokenizer settings from %s applied", path);
    return 0;
}

static int write_tokenizer(conversion *cv, char *err)
{
    blob_config *c = &cv->config.blob;
    uint32_t model_vocab = c->vocab_size;   /* 0 for a tokenizer-only file */
    if (!cv->src.tokenizer) return 0;
    /* The tok_* readers report their vocabulary size in cfg->vocab_size when it is 0 on entry. */
    c->vocab_size = 0;
    if (cv->src.tokenizer_is_json) {
        if (tok_add_tokenizer_json(cv->writer, cv->src.tokenizer, c, err) != 0) return -1;
        cv->src.tokenizer_kind = (albert_tokenizer_kind)c->tokenizer_kind;
    } else if (cv->src.tokenizer_kind == ALBERT_TOKENIZER_SENTENCEPIECE) {
        if (tok_add_sentencepiece(cv->writer, cv->src.tokenizer, c, err) != 0) return -1;
    } else if (tok_add_wordpiece(cv->writer, cv->src.tokenizer, c, err) != 0) {
        return -1;
    }
    cv->tokenizer_entries = c->vocab_size;
    if (cv->tokenizer_entries == 0) {
        snprintf(err, CK_ERR_LEN, "%s: the tokenizer reader did not report a vocabulary size", cv->src.tokenizer);
        return -1;
    }
    if (model_vocab) {
        if (cv->tokenizer_entries > model_vocab) {
            snprintf(err, CK_ERR_LEN, "%s: the tokenizer has %u entries but the model's vocab_size is only %u (wrong tokenizer?)",
                     cv->src.tokenizer, cv->tokenizer_entries, model_vocab);
            return -1;
        }
        if (cv->tokenizer_entries < model_vocab)
            note("the tokenizer has %u entries, the model %u embeddings (ids above %u are never produced)",
                 cv->tokenizer_entries, model_vocab, cv->tokenizer_entries - 1);
        c->vocab_size = model_vocab;
    }
    if (tok_add_unicode_tables(cv->writer, err) != 0) return -1;
    /* tokenizer.json defines the whole pipeline: the slow tokenizer's tokenizer_config.json settings do not apply */
    if (cv->src.tokenizer_config && !cv->src.tokenizer_is_json &&
        apply_tokenizer_config(cv->src.tokenizer_config, c, err) != 0)
        return -1;
    return 0;
}

static const char *activation_name(uint32_t act)
{
    static const char *const names[] = {"?", "gelu", "gelu_tanh", "relu", "silu", "quick_gelu", "tanh", "sigmoid",
                                        "linear", "relu6", "mish", "gelu_10", "relu2"};
    return act < sizeof(names) / sizeof(names[0]) ? names[act] : "?";
}

static const char *size_text(char *out, size_t size, double bytes)
{
    if (bytes < 1024.0 * 1024.0) snprintf(out, size, "%.1f KB", bytes / 1024.0);
    else if (bytes < 1024.0 * 1024.0 * 1024.0) snprintf(out, size, "%.1f MB", bytes / (1024.0 * 1024.0));
    else snprintf(out, size, "%.2f GB", bytes / (1024.0 * 1024.0 * 1024.0));
    return out;
}

static void print_summary(const conversion *cv)
{
    const blob_config *c = &cv->config.blob;
    const char *out = cv->options->out;
    uint64_t out_size = 0;
    char file_size[32], weight_size[32];
    int i, h, present[HEAD_COUNT] = {0};
    char heads[128] = "";

    if (quiet) return;
    (void)ck_path_kind(out, &out_size);
    size_text(file_size, sizeof(file_size), (double)out_size);
    size_text(weight_size, sizeof(weight_size), (double)cv->bytes_written);
    if (cv->options->tokenizer_only) {
        printf("wrote %s (%s): tokenizer only (%s, %u entries)\n", out, file_size,
               c->tokenizer_kind == ALBERT_TOKENIZER_SENTENCEPIECE ? "SentencePiece" : "WordPiece", c->vocab_size);
        return;
    }
    for (i = 0; i < cv->plan.count; i++) if (cv->plan.tensors[i].source) present[cv->plan.tensors[i].head] = 1;
    for (h = HEAD_POOLER; h < HEAD_COUNT; h++) {
        if (!present[h]) continue;
        if (heads[0]) strcat(heads, ", ");
        strcat(heads, head_names[h]);
        if (h == HEAD_CLASSIFIER) {
            static const char *const kinds[] = {"", "sequence", "token", "", "multiple choice"};
            sprintf(heads + strlen(heads), " (%s, %u label%s)", kinds[c->head_kind < 5 ? c->head_kind : 0],
                    c->num_labels, c->num_labels == 1 ? "" : "s");
        }
    }
    printf("wrote %s (%s) from %s (%s)\n", out, file_size, cv->src.weights, format_name(cv->src.format));
    printf("  model: vocab %u, embedding %u, hidden %u, layers %u (groups %u x inner %u), heads %u, intermediate %u, "
           "max positions %u, token types %u, %s, eps %g\n",
           c->vocab_size, c->embedding_size, c->hidden_size, c->num_hidden_layers, c->num_hidden_groups,
           c->inner_group_num, c->num_attention_heads, c->intermediate_size, c->max_position_embeddings,
           c->type_vocab_size, activation_name(c->hidden_act), (double)c->layer_norm_eps);
    if (c->architecture == 1)
        printf("  graph: brightmart albert_zh (projection before the position/type embeddings, %s)\n",
               c->brightmart_flags & 1u ? "pre-LN" : "post-LN");
    printf("  tensors: %u written (%s of weights), %d not used, %d skipped (buffers, optimizer state)\n",
           cv->n_written, weight_size, cv->n_unused, cv->n_ignored);
    printf("  heads: %s\n", heads[0] ? heads : "none (encoder only)");
    if (cv->src.tokenizer) {
        printf("  tokenizer: %s (%s, %u entries)\n", cv->src.tokenizer,
               c->tokenizer_kind == ALBERT_TOKENIZER_SENTENCEPIECE ? "SentencePiece" : "WordPiece", cv->tokenizer_entries);
    } else {
        printf("  tokenizer: none\n");
    }
}

/* A sentence-transformers folder (modules.json next to the weights): its pooling, Normalize and max_seq_length
   become the model file's default sentence vector. */
static int read_sentence_transformers(conversion *cv, st_settings *st, char *err)
{
    blob_config *c = &cv->config.blob;
    static const char *const pooling_names[5] = {"mean", "CLS", "pooler", "max", "mean-sqrt-len"};
    if (cv->src.n_search == 0 || st_read_folder(cv->src.search[0], c->hidden_size, st, err) != 0) return -1;
    if (!st->present) return 0;
    if (st->modules.transformer_path[0] && strcmp(st->modules.transformer_path, ".") != 0) {
        snprintf(err, CK_ERR_LEN, "%s/modules.json: the Transformer lives in %s/: give that folder as SRC (and copy "
                 "modules.json, the Pooling folder and sentence_bert_config.json next to it)", cv->src.search[0],
                 st->modules.transformer_path);
        return -1;
    }
    c->sentence_pooling = st->pooling;
    c->sentence_flags = st->modules.normalize ? 1u : 0u;
    c->max_seq_length = st->max_seq_length;
    if (c->max_seq_length > c->max_position_embeddings) {
        warn("max_seq_length %u is more than max_position_embeddings %u: using %u", c->max_seq_length,
             c->max_position_embeddings, c->max_position_embeddings);
        c->max_seq_length = c->max_position_embeddings;
    }
    if (!st->modules.has_pooling) warn("%s/modules.json has no Pooling module: the default sentence vector is the mean",
                                       cv->src.search[0]);
    note("sentence-transformers folder: %s pooling%s, max_seq_length %u%s", pooling_names[st->pooling],
         st->modules.normalize ? ", normalized" : "", c->max_seq_length, st->lower_case ? ", lower-cased input" : "");
    return 0;
}

static int same_file(const char *a, const char *b) { return ck_same_file(a, b); }

static int convert(conversion *cv, char *err)
{
    const options *o = cv->options;
    st_settings st;
    int i;

    if (is_folder(o->out)) { snprintf(err, CK_ERR_LEN, "%s: is a folder; OUT must be a file path", o->out); return -1; }
    if (locate_sources(o, &cv->src, err) != 0) return -1;
    if ((cv->src.weights && same_file(cv->src.weights, o->out)) || same_file(o->src, o->out)) {
        snprintf(err, CK_ERR_LEN, "%s: OUT would overwrite the source", o->out);
        return -1;
    }

    memset(&st, 0, sizeof(st));
    if (o->tokenizer_only) {
        memset(&cv->config, 0, sizeof(cv->config));
        for (i = 0; i < 8; i++) cv->config.blob.special_ids[i] = -1;
    } else {
        if (open_checkpoint(cv, err) != 0) return -1;
        if (cv->brightmart ? read_brightmart_config(cv->src.config, &cv->config, err)
                           : read_config(cv->src.config, o->config_key, &cv->config, err))
            return -1;
        note("weights %s (%s%s), config %s%s", cv->src.weights, format_name(cv->src.format),
             cv->brightmart ? ", brightmart albert_zh" : "", cv->src.config,
             o->config_path ? "" : " (found next to the weights)");
        if (!cv->src.tokenizer && !o->no_tokenizer) note("no tokenizer found: the model file will take token ids only");
        if (find_encoder(cv, err) != 0) return -1;
        if (cv->config.vocab_from_weights && cv->word_embeddings) {
            const ck_tensor *w = cv->word_embeddings;
            if (w->ndim != 2 || w->dims[0] < 1 || w->dims[0] > (1 << 22)) {
                snprintf(err, CK_ERR_LEN, "%s: %s is not a [vocab, embedding] matrix", cv->checkpoint.path, w->name);
                return -1;
            }
            cv->config.blob.vocab_size = (uint32_t)w->dims[0];
            note("the nested config has no vocab_size: %u, the rows of %s", cv->config.blob.vocab_size, w->name);
        }
        if ((cv->brightmart ? brightmart_plan(&cv->config.blob, &cv->plan) : build_plan(&cv->config.blob, &cv->plan)) != 0) {
            snprintf(err, CK_ERR_LEN, "out of memory");
            return -1;
        }
        if (match_tensors(cv, err) != 0) return -1;
        if (cv->brightmart) brightmart_share_projection(cv);
        if (validate_plan(cv, err) != 0) return -1;
        if (cv->n_foreign) note("%d tensors of other sub-models (outside \"%s\") skipped", cv->n_foreign, cv->prefix);
        if (read_sentence_transformers(cv, &st, err) != 0) return -1;
    }

    cv->writer = blob_open(o->out, err);
    if (!cv->writer) return -1;
    if (!o->tokenizer_only && write_weights(cv, err) != 0) return -1;
    if (write_tokenizer(cv, err) != 0) return -1;
    if (st.lower_case && cv->src.tokenizer) {   /* sentence-transformers lowercases the text before tokenizing */
        if (cv->config.blob.tokenizer_flags2 & ALBERT_TOKENIZER2_FAST) cv->config.blob.tokenizer_flags2 |= ALBERT_TOKENIZER2_LOWER;
        else cv->config.blob.tokenizer_flags |= ALBERT_TOKENIZER_LOWER_CASE;
    }
    if (blob_finish(cv->writer, &cv->config.blob, err) != 0) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    conversion cv;
    char err[CK_ERR_LEN];
    int result;

    if (parse_options(argc, argv, &o) != 0) return 2;
    quiet = o.quiet;
    memset(&cv, 0, sizeof(cv));
    cv.options = &o;
    err[0] = '\0';

    result = convert(&cv, err);
    if (result == 0) print_summary(&cv);
    else fprintf(stderr, "albert-convert: error: %s\n", err[0] ? err : "conversion failed");

    blob_abort(cv.writer);             /* removes the temporary file unless blob_finish succeeded */
    if (cv.checkpoint_open) ck_close(&cv.checkpoint);
    free(cv.buffer);
    free(cv.buffer2);
    free(cv.plan.tensors);
    free(cv.config.label_names);
    sources_free(&cv.src);
    return result == 0 ? 0 : 1;
}
