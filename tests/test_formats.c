/* test_formats.c - "same weights, same blob": each golden model converted from model.safetensors,
   pytorch_model.bin (zip), pytorch_model_legacy.bin and the Google TF checkpoint (tf/) must give byte-identical
   tensors (the TF checkpoint adds the sentence-order head, which the HF files do not carry). */
#define _POSIX_C_SOURCE 200809L
#define ALBERT_IMPLEMENTATION
#include "albert.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

/* Converts data/models/<model>/<source> (a file, or the tf folder) and loads the result; NULL if the source
   file is not there. */
static albert_model *convert(const char *model, const char *source)
{
    char src[512], out[512], command[2048];
    albert_model *m = NULL;
    albert_error err;
    snprintf(src, sizeof src, "data/models/%s/%s", model, source);
    if (strcmp(source, "tf") != 0 && !tu_file_exists(src)) return NULL;
    if (strcmp(source, "tf") == 0) {
        snprintf(src, sizeof src, "data/models/%s/tf/model.ckpt-best.index", model);
        if (!tu_file_exists(src)) return NULL;
        snprintf(src, sizeof src, "data/models/%s/tf", model);
    }
    snprintf(out, sizeof out, "%s/%s-%s.albert", tu_work_dir(), model, source);
    if (strcmp(source, "tf") == 0) {
        assert_int_equal(tu_convert(src, out), 0);
    } else {   /* a weights file: its config is the HF config.json next to it */
        const char *converter = getenv("ALBERT_CONVERT");
        if (!converter || !*converter) converter = "../build/albert-convert";
        snprintf(command, sizeof command, "'%s' -q '%s' '%s' 2>/dev/null", converter, src, out);
        assert_int_equal(system(command), 0);
    }
    if (albert_model_load(out, &m, &err) != ALBERT_OK) fail_msg("%s", err.message);
    return m;
}

static int is_sop(const char *name) { return strncmp(name, "sop.", 4) == 0; }

/* Every tensor of `other` equals the reference's tensor of the same name, byte for byte, and the two sets of
   names are the same apart from the SOP head. Returns the number of tensors compared. */
static int compare_blobs(const albert_model *reference, const albert_model *other, const char *what)
{
    uint32_t i;
    int compared = 0;
    for (i = 0; i < other->n_tensors; i++) {
        const albert__tensor *a = &other->tensors[i];
        const albert__tensor *b = albert__find_tensor(reference, a->name);
        if (!b) {
            if (!is_sop(a->name)) fail_msg("%s: tensor %s is not in the safetensors blob", what, a->name);
            continue;
        }
        assert_int_equal(a->dtype, b->dtype);
        assert_int_equal(a->ndim, b->ndim);
        assert_memory_equal(a->dims, b->dims, sizeof a->dims);
        assert_true(a->nbytes == b->nbytes);
        if (memcmp(a->data, b->data, (size_t)a->nbytes) != 0) fail_msg("%s: tensor %s differs", what, a->name);
        compared++;
    }
    for (i = 0; i < reference->n_tensors; i++)
        if (!albert__find_tensor(other, reference->tensors[i].name))
            fail_msg("%s: tensor %s is missing", what, reference->tensors[i].name);
    assert_memory_equal(&reference->config.vocab_size, &other->config.vocab_size,
                        offsetof(albert_config, num_labels) - offsetof(albert_config, vocab_size));
    return compared;
}

static void check_model(const char *model)
{
    static const char *const sources[] = {"pytorch_model.bin", "pytorch_model_legacy.bin", "tf"};
    albert_model *reference = convert(model, "model.safetensors");
    size_t i;
    assert_non_null(reference);
    for (i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        albert_model *other = convert(model, sources[i]);
        char what[128];
        if (!other) continue;
        snprintf(what, sizeof what, "%s from %s", model, sources[i]);
        printf("# %s: %d tensors byte-identical to the safetensors conversion%s\n", what,
               compare_blobs(reference, other, what), other->config.has_sop ? " (+ SOP head)" : "");
        albert_model_free(other);
    }
    albert_model_free(reference);
}

static void test_tiny(void **state) { (void)state; check_model("tiny"); }
static void test_groups(void **state) { (void)state; check_model("groups"); }
static void test_relu(void **state) { (void)state; check_model("relu"); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_relu),
    };
    return cmocka_run_group_tests(tests, tu_work_dir_setup, tu_work_dir_teardown);
}
