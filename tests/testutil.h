/* testutil.h - small helpers shared by the cmocka tests (run with the tests/ folder as working directory). */
#ifndef ALBERT_TESTUTIL_H
#define ALBERT_TESTUTIL_H
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
#endif
