// cxx_compile.cpp - albert.h's implementation compiled as C++ (-std=c++11 -Wall -Wextra -pedantic -Werror).
// With a model file on the command line it also loads it and encodes a few tokens; without, it only proves that
// the library compiles and links as C++. `make test` runs it both ways.
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <cmath>
#include <cstdio>
#include <vector>

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::printf("cxx_compile: albert.h %s compiles and links as C++\n", ALBERT_VERSION_STRING);
        return 0;
    }
    albert_model *model = NULL;
    albert_error err;
    if (albert_model_load(argv[1], &model, &err) != ALBERT_OK) {
        std::fprintf(stderr, "cxx_compile: %s: %s\n", argv[1], err.message);
        return 1;
    }
    const albert_config *cfg = albert_model_config(model);
    albert_context_params params = albert_context_default_params();
    albert_context *ctx = NULL;
    if (albert_context_create(model, &params, &ctx) != ALBERT_OK) {
        std::fprintf(stderr, "cxx_compile: albert_context_create failed\n");
        albert_model_free(model);
        return 1;
    }
    const int32_t n_tokens = 4;
    std::vector<int32_t> ids(n_tokens);
    for (int32_t i = 0; i < n_tokens; i++) ids[i] = i % cfg->vocab_size;
    std::vector<float> out((size_t)n_tokens * cfg->hidden_size);
    albert_result r = albert_encode(ctx, ids.data(), NULL, n_tokens, -1, out.data());
    int finite = 1;
    for (size_t i = 0; i < out.size(); i++) finite &= std::isfinite(out[i]) ? 1 : 0;
    std::printf("cxx_compile: %s: hidden %d, %d layers, encode -> %s, outputs %s\n", argv[1], (int)cfg->hidden_size,
                (int)cfg->num_hidden_layers, albert_result_string(r), finite ? "finite" : "NOT finite");
    albert_context_free(ctx);
    albert_model_free(model);
    return r == ALBERT_OK && finite ? 0 : 1;
}
