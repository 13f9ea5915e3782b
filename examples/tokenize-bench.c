/* tokenize-bench.c - tokenizer throughput: albert_sentencepiece_encode (plain SentencePiece, comparable with
   sentencepiece's EncodeAsIds) and albert_tokenize (HF AlbertTokenizer pipeline) over every line of a text file.

       cc -std=c99 -O2 -I. examples/tokenize-bench.c -o build/tokenize-bench -lm -lpthread
       build/tokenize-bench model.albert big.txt [repeats]

   Prints MB/s (input bytes per second, best of the repeats) and the token count. */
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

int main(int argc, char **argv)
{
    albert_model *model;
    albert_error err;
    size_t size;
    char *text;
    int repeats = argc > 3 ? atoi(argv[3]) : 3, mode;
    static int32_t ids[1 << 20];
    if (argc < 3) { fprintf(stderr, "usage: %s model.albert text.txt [repeats]\n", argv[0]); return 2; }
    if (albert_model_load(argv[1], &model, &err) != ALBERT_OK) { fprintf(stderr, "%s\n", err.message); return 1; }
    if (!(text = read_file(argv[2], &size))) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
    for (mode = 0; mode < 2; mode++) {
        double best = 1e30;
        long tokens = 0;
        int r;
        for (r = 0; r < repeats; r++) {
            double t0 = now();
            const char *line = text, *end = text + size;
            tokens = 0;
            while (line < end) {
                const char *nl = (const char *)memchr(line, '\n', (size_t)(end - line));
                size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
                albert_tokens tok;
                albert_result res;
                memset(&tok, 0, sizeof(tok));
                tok.ids = ids; tok.capacity = 1 << 20;
                res = mode == 0 ? albert_sentencepiece_encode(model, line, len, &tok)
                                : albert_tokenize(model, line, len, NULL, 0, 0, &tok);
                if (res != ALBERT_OK) { fprintf(stderr, "error %s\n", albert_result_string(res)); return 1; }
                tokens += tok.n_tokens;
                line += len + 1;
            }
            if (now() - t0 < best) best = now() - t0;
        }
        printf("%-28s %8.2f MB/s  %ld tokens  (%.3f s for %.1f MB)\n",
               mode == 0 ? "albert_sentencepiece_encode" : "albert_tokenize (HF pipeline)", (double)size / best / 1e6,
               tokens, best, (double)size / 1e6);
    }
    free(text);
    albert_model_free(model);
    return 0;
}
