/* fuzz_config.c - libFuzzer harness for albert-convert's config reader (read_config in tools/albert-convert.c):
   HF config.json / Google albert_config.json with the HF AlbertConfig defaults, activations, id2label /
   num_labels, `architectures` (which task head) and `problem_type`.

   The input is the text of a config.json. The harness includes the converter's source (its main renamed), writes
   the input to config.json in a private temporary folder and calls read_config on it. A crash, a sanitizer report,
   a failure without a message or a result outside its documented range is a finding.

   Build (see tests/fuzz/run.sh): clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_config.c
   <the tools/ objects but albert-convert.c> -lm -lpthread.  Seeds: every config.json of tests/data (seeds.sh). */
#define main albert_convert_main
#include "../../tools/albert-convert.c"
#undef main

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_config: broken promise: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64], path[96];
    model_config mc;
    char err[CK_ERR_LEN];
    FILE *f;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-config-XXXXXX");
        if (!mkdtemp(dir)) abort();
        snprintf(path, sizeof path, "%s/config.json", dir);
    }
    quiet = 1;
    f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    err[0] = 0;
    if (read_config(path, NULL, &mc, err) == 0) {
        const blob_config *c = &mc.blob;
        if (mc.arch_head < 0 || mc.arch_head > ALBERT_HEAD_MULTIPLE_CHOICE) fuzz_fail("architecture head out of range");
        if (mc.problem_type > ALBERT_PROBLEM_MULTI_LABEL) fuzz_fail("problem type out of range");
        if (c->hidden_size == 0 || c->num_attention_heads == 0 || c->hidden_size % c->num_attention_heads != 0)
            fuzz_fail("hidden_size / heads accepted inconsistent");
        if (c->num_hidden_groups == 0 || c->num_hidden_layers % c->num_hidden_groups != 0)
            fuzz_fail("groups accepted inconsistent");
        if (!(c->layer_norm_eps > 0.0f && c->layer_norm_eps < 1.0f)) fuzz_fail("layer_norm_eps out of range");
        if (mc.label_names) {   /* config_labels NUL-terminated names in label_names_size bytes */
            size_t i, names = 0;
            for (i = 0; i < mc.label_names_size; i++) names += mc.label_names[i] == 0;
            if (names != (size_t)mc.config_labels || mc.label_names[mc.label_names_size - 1] != 0)
                fuzz_fail("label names do not match the label count");
        }
        free(mc.label_names);
    } else if (!err[0]) {
        fuzz_fail("a refused config without a message");
    }
    return 0;
}
