/* tokenize-bench.c - tokenizer throughput of albert.h: albert_sentencepiece_encode (plain SentencePiece, comparable
   with sentencepiece's EncodeAsIds) and albert_tokenize (HF AlbertTokenizer pipeline), over every line of a text
   file and over the whole file in one call. tools/spm-peer.cc runs the same next to Debian's libsentencepiece.

       cc -std=c99 -O2 -I. examples/tokenize-bench.c -o build/tokenize-bench -lm -lpthread
       build/tokenize-bench model.albert big.txt [rounds] [spm|hf|lines|whole ...]

   The optional words pick what runs (default: everything). Prints MB/s (input bytes per second, best over the
   rounds, and the median) and the token count. */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[n] = 0; *size = (size_t)n; }
    return buf;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Encodes text[0..size) with albert_tokenize (hf) or albert_sentencepiece_encode, line by line or whole;
   returns the token count, or -1 on error. */
static long run(const albert_model *model, const char *text, size_t size, int hf, int whole, int32_t *ids, size_t cap)
{
    const char *line = text, *end = text + size;
    long tokens = 0;
    while (line < end) {
        const char *nl = whole ? NULL : (const char *)memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        albert_tokens tok;
        albert_result res;
        memset(&tok, 0, sizeof(tok));
        tok.ids = ids;
        tok.capacity = (int32_t)cap;
        res = hf ? albert_tokenize(model, line, len, NULL, 0, 0, &tok) : albert_sentencepiece_encode(model, line, len, &tok);
        if (res != ALBERT_OK) { fprintf(stderr, "error %s\n", albert_result_string(res)); return -1; }
        tokens += tok.n_tokens;
        line += len + 1;
    }
    return tokens;
}

int main(int argc, char **argv)
{
    albert_model *model;
    albert_error err;
    size_t size = 0, cap;
    char *text;
    int rounds = argc > 3 ? atoi(argv[3]) : 3, hf, whole, i;
    int want_spm = 1, want_hf = 1, want_lines = 1, want_whole = 1;
    int32_t *ids;
    if (argc < 3) {
        fprintf(stderr, "usage: %s model.albert text.txt [rounds] [spm|hf|lines|whole ...]\n", argv[0]);
        return 2;
    }
    if (argc > 4) {
        want_spm = want_hf = want_lines = want_whole = 0;
        for (i = 4; i < argc; i++) {
            if (!strcmp(argv[i], "spm")) want_spm = 1;
            else if (!strcmp(argv[i], "hf")) want_hf = 1;
            else if (!strcmp(argv[i], "lines")) want_lines = 1;
            else if (!strcmp(argv[i], "whole")) want_whole = 1;
        }
        if (!want_spm && !want_hf) want_spm = want_hf = 1;
        if (!want_lines && !want_whole) want_lines = want_whole = 1;
    }
    if (rounds < 1) rounds = 1;
    if (albert_model_load(argv[1], &model, &err) != ALBERT_OK) { fprintf(stderr, "%s\n", err.message); return 1; }
    if (!(text = read_file(argv[2], &size))) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
    cap = size + 16;   /* at most one token per byte, plus the specials */
    if (cap > 0x7FFFFFFF || !(ids = (int32_t *)malloc(cap * sizeof(int32_t)))) { fprintf(stderr, "text too large\n"); return 1; }
    printf("text: %s, %.2f MB; %d rounds\n", argv[2], (double)size / 1e6, rounds);
    for (whole = 0; whole < 2; whole++) {
        if (!(whole ? want_whole : want_lines)) continue;
        for (hf = 0; hf < 2; hf++) {
            double *times = (double *)malloc(sizeof(double) * (size_t)rounds);
            long tokens = 0;
            int r;
            if (!(hf ? want_hf : want_spm) || !times) { free(times); continue; }
            for (r = 0; r < rounds; r++) {
                double t0 = now();
                tokens = run(model, text, size, hf, whole, ids, cap);
                times[r] = now() - t0;
                if (tokens < 0) return 1;
            }
            qsort(times, (size_t)rounds, sizeof(double), compare_doubles);
            printf("%-10s %-28s %8.2f MB/s best %8.2f MB/s median  %ld tokens\n", whole ? "whole text" : "per line",
                   hf ? "albert_tokenize (HF)" : "albert_sentencepiece_encode", (double)size / times[0] / 1e6,
                   (double)size / times[rounds / 2] / 1e6, tokens);
            free(times);
        }
    }
    free(ids);
    free(text);
    albert_model_free(model);
    return 0;
}
