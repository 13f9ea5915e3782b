/* testutil.h - small helpers shared by the cmocka tests (run with the tests/ folder as working directory):
   files (tu_read_file, tu_write_file, tu_file_exists), the converter (tu_convert), one work folder per test
   program (tu_work_dir), a seeded random number generator (tu_rnd) and the golden-case reader (tu_golden).
   All static inline: a test that does not use one gets no warning. */
#ifndef ALBERT_TESTUTIL_H
#define ALBERT_TESTUTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated, *size excludes the NUL) or NULL. */
static inline void *tu_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (size) *size = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[n] = 0; if (size) *size = (size_t)n; }
    return buf;
}

/* tu_read_file for a file of little-endian 4-byte values (the HF goldens' int32 / float32 .bin arrays): on a
   big-endian host (make s390x) each value's bytes are reversed, so the buffer holds host int32 / float. */
static inline void *tu_read_le32_file(const char *path, size_t *size)
{
    size_t n = 0, i;
    unsigned char *buf = (unsigned char *)tu_read_file(path, &n);
    const unsigned int one = 1;
    if (size) *size = n;
    if (buf && *(const unsigned char *)&one == 0)
        for (i = 0; i + 4 <= n; i += 4) {
            unsigned char t = buf[i];
            buf[i] = buf[i + 3], buf[i + 3] = t;
            t = buf[i + 1], buf[i + 1] = buf[i + 2], buf[i + 2] = t;
        }
    return buf;
}

static inline int tu_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return -1;
    ok = fwrite(data, 1, size, f) == size;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static inline int tu_file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* Runs the converter (tools/albert-convert, CLI "albert-convert SRC OUT") on src, writing out_path. The converter is
   $ALBERT_CONVERT if set (the sanitizer builds point it at their own build), else ../build/albert-convert. Its output
   goes to out_path + ".log" and is printed only when it fails. Returns 0 on success. (static inline: no warning in the
   tests that do not use it.) */
static inline int tu_convert(const char *src, const char *out_path)
{
    const char *converter = getenv("ALBERT_CONVERT");
    char command[4096], log_path[1024];
    int status;
    if (!converter || !*converter) converter = "../build/albert-convert";
    snprintf(log_path, sizeof log_path, "%s.log", out_path);
    snprintf(command, sizeof command, "'%s' '%s' '%s' >'%s' 2>&1", converter, src, out_path, log_path);
    status = system(command);
    if (status != 0) {
        char *log = (char *)tu_read_file(log_path, NULL);
        printf("# %s failed (status %d):\n%s\n", command, status, log ? log : "(no output)");
        free(log);
    }
    remove(log_path);
    return status == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- one work folder per test program */
#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200809L   /* mkdtemp: the tests that use it define this */
/* The folder (valid between tu_work_dir_setup and tu_work_dir_teardown). */
static inline char *tu_work_dir(void)
{
    static char dir[256];
    return dir;
}

/* cmocka group setup: creates /tmp/albert-test-XXXXXX (mkdtemp; define _POSIX_C_SOURCE 200809L first). */
static inline int tu_work_dir_setup(void **state)
{
    (void)state;
    snprintf(tu_work_dir(), 256, "/tmp/albert-test-XXXXXX");
    return mkdtemp(tu_work_dir()) ? 0 : -1;
}

/* cmocka group teardown: removes the folder and everything in it. */
static inline int tu_work_dir_teardown(void **state)
{
    char command[512];
    (void)state;
    snprintf(command, sizeof command, "rm -rf '%s'", tu_work_dir());
    return system(command) == 0 ? 0 : -1;
}
#endif

/* ---------------------------------------------------------------- random numbers */
/* Uniform in [-1, 1) from a xorshift64 state (nonzero; each test keeps its own seed, so its data never changes). */
static inline float tu_rnd(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (float)((double)(*state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* ---------------------------------------------------------------- golden cases (HF reference outputs) */
/* One line of a golden folder's cases.txt: "case tensor dtype ndim dim0 .. dimN-1 file" (# starts a comment),
   the file raw little-endian int32 or float32, row-major, relative to the folder. */
typedef struct tu_golden_tensor {
    char case_name[64], name[64];
    int is_int;                /* 1: int32, 0: float32 */
    int ndim, dims[4];         /* dims past ndim are 1 */
    size_t count;              /* elements */
    int case_index;            /* index into tu_golden.case_names */
    void *data;                /* malloc'd, owned by the tu_golden until tu_golden_take */
} tu_golden_tensor;

typedef struct tu_golden {
    tu_golden_tensor *tensors;
    int n_tensors;
    char (*case_names)[64];    /* in the order of their first line */
    int n_cases;
} tu_golden;

static inline void tu_golden_free(tu_golden *g)
{
    int i;
    for (i = 0; i < g->n_tensors; i++) free(g->tensors[i].data);
    free(g->tensors);
    free(g->case_names);
    memset(g, 0, sizeof *g);
}

/* Reads folder/cases.txt and every file it names (each exactly count x 4 bytes). 0, or -1 with the reason
   printed (then g is empty). */
static inline int tu_golden_load(const char *folder, tu_golden *g)
{
    char path[1024], *text, *line, *next;
    size_t size;
    memset(g, 0, sizeof *g);
    snprintf(path, sizeof path, "%s/cases.txt", folder);
    text = (char *)tu_read_file(path, &size);
    if (!text) { printf("# cannot read %s\n", path); return -1; }
    for (line = text; line && *line; line = next) {
        char dtype[16], file[256], *p = line;
        int consumed, d, k;
        size_t file_size;
        tu_golden_tensor *t;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (line[0] == '#' || line[0] == 0) continue;
        if (g->n_tensors % 64 == 0) {
            tu_golden_tensor *grown = (tu_golden_tensor *)realloc(g->tensors, sizeof(*grown) * (size_t)(g->n_tensors + 64));
            char (*names)[64] = (char (*)[64])realloc(g->case_names, sizeof(*names) * (size_t)(g->n_tensors + 64));
            if (grown) g->tensors = grown;
            if (names) g->case_names = names;
            if (!grown || !names) { printf("# out of memory\n"); goto fail; }
        }
        t = &g->tensors[g->n_tensors];
        memset(t, 0, sizeof *t);
        if (sscanf(p, "%63s %63s %15s %d%n", t->case_name, t->name, dtype, &t->ndim, &consumed) != 4 || t->ndim < 1 ||
            t->ndim > 4 || (strcmp(dtype, "int32") != 0 && strcmp(dtype, "float32") != 0))
            goto bad_line;
        p += consumed;
        t->is_int = strcmp(dtype, "int32") == 0;
        t->count = 1;
        for (d = 0; d < 4; d++) t->dims[d] = 1;
        for (d = 0; d < t->ndim; d++) {
            if (sscanf(p, "%d%n", &t->dims[d], &consumed) != 1 || t->dims[d] <= 0) goto bad_line;
            p += consumed;
            t->count *= (size_t)t->dims[d];
        }
        if (sscanf(p, "%255s", file) != 1) goto bad_line;
        snprintf(path, sizeof path, "%s/%s", folder, file);
        t->data = tu_read_le32_file(path, &file_size); /* int32 / float32, little-endian */
        if (!t->data || file_size != t->count * 4) {
            printf("# %s: %s (%zu bytes for %zu elements)\n", path, t->data ? "wrong size" : "cannot read", file_size,
                   t->count);
            free(t->data);
            goto fail;
        }
        for (k = 0; k < g->n_cases && strcmp(g->case_names[k], t->case_name) != 0; k++) continue;
        if (k == g->n_cases) strcpy(g->case_names[g->n_cases++], t->case_name);
        t->case_index = k;
        g->n_tensors++;
    }
    free(text);
    return 0;
bad_line:
    printf("# %s/cases.txt: bad line: %s\n", folder, line);
fail:
    free(text);
    tu_golden_free(g);
    return -1;
}

/* The tensor `name` of case `case_name`, or NULL. */
static inline tu_golden_tensor *tu_golden_find(const tu_golden *g, const char *case_name, const char *name)
{
    int i;
    for (i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].case_name, case_name) == 0 && strcmp(g->tensors[i].name, name) == 0)
            return &g->tensors[i];
    return NULL;
}

/* If t is a model input (input_ids, attention_mask or token_type_ids: int32 [B, S]), hands its data over to *ids,
   *mask or *types, sets *batch and *seq and returns 1; 0 for another tensor; -1 for an input of the wrong type or
   rank (nothing handed over). */
static inline int tu_golden_take_input(tu_golden_tensor *t, int *batch, int *seq, int32_t **ids, int32_t **mask,
                                       int32_t **types)
{
    int32_t **to = strcmp(t->name, "input_ids") == 0        ? ids
                   : strcmp(t->name, "attention_mask") == 0 ? mask
                   : strcmp(t->name, "token_type_ids") == 0 ? types
                                                            : NULL;
    if (!to) return 0;
    if (!t->is_int || t->ndim != 2) return -1;
    *batch = t->dims[0];
    *seq = t->dims[1];
    *to = (int32_t *)t->data;
    t->data = NULL;
    return 1;
}

/* Hands t's data over to the caller (who frees it); NULL for a NULL t. */
static inline void *tu_golden_take(tu_golden_tensor *t)
{
    void *data = t ? t->data : NULL;
    if (t) t->data = NULL;
    return data;
}
#endif
