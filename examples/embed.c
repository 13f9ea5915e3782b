/* embed - the smallest useful albert.h program: a sentence vector (mean of the last layer) for a text.
   usage: embed MODEL "some text" */
#define ALBERT_IMPLEMENTATION
#include "albert.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    albert_model *model; albert_context *ctx; albert_error err;
    int32_t ids[512], types[512]; albert_tokens tok = {ids, types, NULL, 512, 0};
    albert_context_params params = albert_context_default_params();
    if (argc != 3) { fprintf(stderr, "usage: embed MODEL TEXT\n"); return 2; }
    if (albert_model_load(argv[1], &model, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    if (albert_context_create(model, &params, &ctx) ||
        albert_tokenize(model, argv[2], strlen(argv[2]), NULL, 0, 512, &tok)) { fprintf(stderr, "failed\n"); return 1; }
    int H = albert_model_config(model)->hidden_size;
    float *h = (float *)malloc(sizeof(float) * tok.n_tokens * H), v;
    if (!h || albert_encode(ctx, ids, types, tok.n_tokens, -1, h)) { fprintf(stderr, "%s\n", albert_context_last_error(ctx)); return 1; }
    for (int j = 0; j < H; j++) {                     /* mean over tokens */
        v = 0; for (int i = 0; i < tok.n_tokens; i++) v += h[i * H + j];
        printf(j ? " %.5f" : "%.5f", v / tok.n_tokens);
    }
    printf("\n");
    free(h); albert_context_free(ctx); albert_model_free(model);
    return 0;
}
