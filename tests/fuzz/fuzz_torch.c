/* fuzz_torch.c - libFuzzer harness for the converter's PyTorch reader (tools/ck_torch.c): torch.save files in the
   zip format (PyTorch >= 1.6) and the legacy pickle format, told apart by the reader itself.

   The input is the whole file, given to ck_open_torch_memory (the same reader ck_open_torch uses after mapping the
   file); every tensor it lists is then read with ck_read_f32, which checks shapes and strides (torch views) against
   the storage bytes the reader validated.

   Build: see tests/fuzz/run.sh (compiled with tools/ck_*.c and the other converter sources). */
#define FUZZ_NAME "fuzz_torch"
#include "tools/convert.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ck_file f;
    char err[CK_ERR_LEN];
    uint8_t *copy = fuzz_copy(data, size);
    if (!copy) return 0;
    err[0] = '\0';
    if (ck_open_torch_memory(copy, size, "fuzz.bin", &f, err) == 0) {
        fuzz_read_every_tensor(&f, NULL, 0, 0);
        ck_close(&f);
    } else if (err[0] == '\0') {
        fuzz_fail("ck_open_torch_memory failed without a message");
    }
    free(copy);
    return 0;
}
