# albert.h — `make` builds everything into build/, `make test` runs the tests, `make demo` shows it working.
CC       ?= cc
CXX      ?= c++
OPT      ?= -O2 -g
WARN      = -Wall -Wextra -pedantic -Werror
CFLAGS   += -std=c99 $(OPT) $(WARN) -I.
CXXFLAGS += -std=c++11 $(OPT) $(WARN) -I.
LDLIBS   += -lm -lpthread
B         = build

CONVERT_SRC = tools/albert-convert.c $(wildcard tools/ck_*.c tools/tok_*.c tools/blob*.c tools/json*.c tools/st_*.c tools/bm_*.c)
TESTS       = $(patsubst tests/%.c,$(B)/%,$(wildcard tests/test_*.c))

all: $(B)/albert-convert $(B)/albert-cli $(B)/embed $(B)/albert-bench $(TESTS)

$(B):
	mkdir -p $(B)
$(B)/albert-convert: $(CONVERT_SRC) $(wildcard tools/*.h) | $(B)
	$(CC) $(CFLAGS) -o $@ $(CONVERT_SRC) $(LDLIBS)
$(B)/albert-cli: examples/albert-cli.c albert.h | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)
$(B)/embed: examples/embed.c albert.h | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)
$(B)/albert-bench: examples/albert-bench.c albert.h | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)
$(B)/test_%: tests/test_%.c tests/testutil.h albert.h $(B)/albert-convert | $(B)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS) -lcmocka
$(B)/cxx_compile: tests/cxx_compile.cpp albert.h | $(B)
	$(CXX) $(CXXFLAGS) -o $@ $< $(LDLIBS)

# Every tests/test_*.c runs from tests/ with this build's converter ($(RUN) = a wrapper such as valgrind); all run,
# the failures are listed at the end.
test: all $(B)/cxx_compile
	$(B)/cxx_compile
	$(B)/albert-convert -q tests/data/models/tiny $(B)/cxx_tiny.albert && $(B)/cxx_compile $(B)/cxx_tiny.albert
	@cd tests && failed=; for t in $(TESTS); do echo "== $$t"; \
	  ALBERT_CONVERT=../$(B)/albert-convert $(RUN) ../$$t || failed="$$failed $$t"; done; \
	  if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; echo "all $(words $(TESTS)) test programs passed"

# The same with AddressSanitizer + UBSan, in a build dir of its own.
sanitize:
	$(MAKE) B=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" test

# Every test again with the portable scalar kernels only (ALBERT_NO_SIMD), and single-threaded (ALBERT_NO_THREADS).
nosimd:
	$(MAKE) B=build-nosimd OPT="-O2 -g -DALBERT_NO_SIMD -DALBERT_NO_THREADS" test

# The AVX2 + FMA kernels (what an AVX2-only CPU such as AMD Zen 3 runs) on a machine that also has AVX-512.
avx2:
	$(MAKE) B=build-avx2 OPT="-O2 -g -DALBERT_NO_AVX512" test

# The kernel tests cross-compiled for AArch64 (NEON path) and run under qemu-user.
aarch64: | $(B)
	aarch64-linux-gnu-gcc -std=c99 -O2 $(WARN) -static -I. -DTEST_KERNELS_MINI_CMOCKA -o $(B)/test_kernels_aarch64 tests/test_kernels.c -lm -lpthread
	cd tests && qemu-aarch64 ../$(B)/test_kernels_aarch64

valgrind:
	$(MAKE) test RUN="ALBERT_TEST_LIGHT=1 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"

# ThreadSanitizer on the thread test (TSAN_CC: clang or gcc).
TSAN_CC ?= clang
tsan:
	$(MAKE) B=build-tsan CC=$(TSAN_CC) OPT="-O1 -g -fsanitize=thread" build-tsan/test_threads
	cd tests && ALBERT_CONVERT=../build-tsan/albert-convert TSAN_OPTIONS=halt_on_error=1 ../build-tsan/test_threads

demo: $(B)/albert-convert $(B)/albert-cli
	$(B)/albert-convert --vocab tests/data/tok/en.model tests/data/demo $(B)/demo.albert
	$(B)/albert-cli tokenize $(B)/demo.albert "ALBERT shares one layer across the whole network."
	$(B)/albert-cli encode $(B)/demo.albert --text "ALBERT shares one layer across the whole network." --pooled

bench: $(B)/albert-bench $(B)/albert-convert
	sh tools/bench.sh

# libFuzzer harnesses (tests/fuzz/fuzz_*.c, clang): each one runs FUZZ_SECONDS with its seed corpus, after the
# reproducers in tests/data/fuzz-regress; fails on any crash.
FUZZ_SECONDS ?= 30
fuzz:
	sh tests/fuzz/run.sh $(FUZZ_SECONDS)
.PHONY: fuzz

# Tokenizer speed against Debian's libsentencepiece (needs libsentencepiece-dev), side by side in one process.
tokbench: $(B)/albert-convert
	$(B)/albert-convert -q --tokenizer-only tests/data/tok/en.model $(B)/tokbench-en.albert
	(cat /usr/share/common-licenses/*; find /usr/share/doc -name copyright -type f | sort | xargs cat) 2>/dev/null | head -n 80000 > $(B)/tokbench.txt
	$(CXX) -std=c++17 -O2 -I. tools/spm-peer.cc -o $(B)/spm-peer -lsentencepiece -lm -lpthread
	$(B)/spm-peer tests/data/tok/en.model $(B)/tokbench-en.albert $(B)/tokbench.txt 5

clean:
	rm -rf $(B) build-asan build-tsan build-nosimd

.PHONY: all test sanitize nosimd avx2 aarch64 valgrind tsan demo bench tokbench clean
