/* embed.c - the sentence vector of a text, as the model file's default pooling gives it (the README's example).
   Build: cc -I. examples/embed.c tools/albert.c -lm -lpthread     usage: embed MODEL "some text" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "albert.h"

int main(int argc, char **argv)
{
    albert_model *model = NULL;
    albert_context *ctx = NULL;
    albert_context_params params = albert_context_default_params();   /* max_tokens, n_threads (0 = all cores) */
    albert_error err;
    albert_outputs out;
    albert_tokens tokens;
    const albert_config *config;
    float *vector = NULL;
    int32_t *ids = NULL;
    int i, status = 1;

    if (argc != 3) { fprintf(stderr, "usage: embed MODEL TEXT\n"); return 2; }
    if (albert_model_load(argv[1], &model, &err) != ALBERT_OK) {   /* maps and validates the whole file */
        fprintf(stderr, "embed: %s\n", err.message);
        return 1;
    }
    config = albert_model_config(model);
    if (config->tokenizer == ALBERT_TOKENIZER_NONE || config->hidden_size == 0) {
        fprintf(stderr, "embed: %s needs a tokenizer and a model\n", argv[1]);
        albert_model_free(model);
        return 1;
    }
    if (albert_context_create(model, &params, &ctx) != ALBERT_OK) {   /* one per thread */
        fprintf(stderr, "embed: cannot create a context\n");
        albert_model_free(model);
        return 1;
    }
    ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)config->max_position_embeddings);
    vector = (float *)malloc(sizeof(float) * (size_t)config->hidden_size);
    memset(&tokens, 0, sizeof tokens);
    tokens.ids = ids;                                  /* [CLS] ... [SEP], truncated to the capacity */
    tokens.capacity = config->max_position_embeddings;
    memset(&out, 0, sizeof out);
    out.layer = -1;                                    /* the last layer */
    out.sentence = vector;                             /* one vector of hidden_size floats */
    out.pooling = ALBERT_POOLING_DEFAULT;              /* the model file's own; mean if it says nothing */
    if (!ids || !vector) {
        fprintf(stderr, "embed: out of memory\n");
    } else if (albert_encode_text(ctx, argv[2], strlen(argv[2]), NULL, 0, &tokens, &out) != ALBERT_OK) {
        fprintf(stderr, "embed: %s\n", albert_context_last_error(ctx));
    } else {
        for (i = 0; i < config->hidden_size; i++) printf(i ? " %.6g" : "%.6g", (double)vector[i]);
        printf("\n");
        status = fflush(stdout) == 0 ? 0 : 1;
    }
    free(ids);
    free(vector);
    albert_context_free(ctx);
    albert_model_free(model);
    return status;
}
