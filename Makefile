# albert.h — `make` builds everything into build/, `make test` runs the tests, `make demo` shows it working.
CC       ?= cc
CXX      ?= c++
OPT      ?= -O2 -g
WARN      = -Wall -Wextra -pedantic -Werror
CFLAGS   += -std=c99 $(OPT) $(WARN) -I.
CXXFLAGS += -std=c++11 $(OPT) $(WARN) -I.
LDLIBS   += -lm -lpthread
B         = build
EXE      ?=
CMOCKA   ?= -lcmocka

CONVERT_SRC = tools/albert-convert.c $(wildcard tools/ck_*.c tools/tok_*.c tools/blob*.c tools/json*.c tools/st_*.c tools/bm_*.c)
TESTS       = $(patsubst tests/%.c,$(B)/%$(EXE),$(wildcard tests/test_*.c))
PROGRAMS    = $(B)/albert-convert$(EXE) $(B)/albert-cli$(EXE) $(B)/embed$(EXE) $(B)/albert-bench$(EXE)
# Every example is built (tokenize-bench too), and the ALBERT_NO_MMAP path (the model file read, not mapped) runs
# the goldens as test_golden_nommap.
PROGRAMS   += $(B)/tokenize-bench$(EXE)
TESTS      += $(B)/test_golden_nommap$(EXE)

all: $(PROGRAMS) $(B)/embed-cxx$(EXE) $(B)/embed-batch$(EXE) $(TESTS)

$(B):
	mkdir -p $(B)
$(B)/albert-convert$(EXE): $(CONVERT_SRC) $(wildcard tools/*.h) albert.h | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CONVERT_SRC) $(LDLIBS)
$(B)/albert-cli$(EXE): examples/albert-cli.c tools/json.c tools/json.h albert.h | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tools/json.c $(LDLIBS)
# examples/embed.c is the README's C example: a program of its own plus the implementation file tools/albert.c,
# as C and (embed-cxx) as C++, linked against the C-compiled implementation.
$(B)/albert.o: tools/albert.c albert.h | $(B)
	$(CC) $(CFLAGS) -c -o $@ tools/albert.c
$(B)/libalbert.a: $(B)/albert.o
	rm -f $@ && $(AR) rcs $@ $(B)/albert.o
$(B)/embed$(EXE): examples/embed.c $(B)/albert.o albert.h | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ examples/embed.c $(B)/albert.o $(LDLIBS)
$(B)/embed-cxx$(EXE): examples/embed.c $(B)/albert.o albert.h | $(B)
	$(CXX) $(CXXFLAGS) -x c++ -c -o $(B)/embed-cxx.o examples/embed.c
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $(B)/embed-cxx.o $(B)/albert.o $(LDLIBS)
$(B)/embed-batch$(EXE): examples/embed-batch.c albert.h | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
$(B)/albert-bench$(EXE): examples/albert-bench.c albert.h | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
$(B)/tokenize-bench$(EXE): examples/tokenize-bench.c albert.h | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
$(B)/test_golden_nommap$(EXE): tests/test_golden.c tests/testutil.h albert.h $(B)/albert-convert$(EXE) | $(B)
	$(CC) $(CFLAGS) -DALBERT_NO_MMAP $(LDFLAGS) -o $@ $< $(LDLIBS) $(CMOCKA)
$(B)/test_%$(EXE): tests/test_%.c tests/testutil.h $(wildcard tests/mini/*.h tests/mini/win/*.h) albert.h $(B)/albert-convert$(EXE) | $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS) $(CMOCKA)
$(B)/cxx_compile: tests/cxx_compile.cpp albert.h | $(B)
	$(CXX) $(CXXFLAGS) -o $@ $< $(LDLIBS)

# Every tests/test_*.c runs from tests/ with this build's converter ($(RUN) = a wrapper such as valgrind), then
# every tests/test_*.sh (shell tests of the tools: B = this build folder, relative to tests/); all run, the
# failures are listed at the end.
SHTESTS = $(wildcard tests/test_*.sh)
test: all $(B)/cxx_compile
	$(B)/cxx_compile
	$(B)/albert-convert -q tests/data/models/tiny $(B)/cxx_tiny.albert && $(B)/cxx_compile $(B)/cxx_tiny.albert
	@cd tests && failed=; for t in $(TESTS); do echo "== $$t"; \
	  ALBERT_CONVERT=../$(B)/albert-convert $(RUN) ../$$t || failed="$$failed $$t"; done; \
	  for t in $(SHTESTS); do echo "== $$t"; B=../$(B) MAKE="$(MAKE)" OPT="$(OPT)" sh ../$$t || failed="$$failed $$t"; done; \
	  if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; \
	  echo "all $(words $(TESTS) $(SHTESTS)) test programs passed"

# The same with AddressSanitizer + UBSan, in a build dir of its own.
sanitize:
	$(MAKE) B=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" test

# Every test again with the portable scalar kernels only (ALBERT_NO_SIMD), and single-threaded (ALBERT_NO_THREADS).
nosimd:
	$(MAKE) B=build-nosimd OPT="-O2 -g -DALBERT_NO_SIMD -DALBERT_NO_THREADS" test

# The AVX2 + FMA kernels (what an AVX2-only CPU such as AMD Zen 3 runs) on a machine that also has AVX-512.
avx2:
	$(MAKE) B=build-avx2 OPT="-O2 -g -DALBERT_NO_AVX512" test

# ---- Cross builds: the programs and every tests/test_*.c built by another compiler into a build dir of its own,
# the tests run from tests/ under an emulator (XRUN: qemu-user or wine) with the cross-built converter. The tests
# use tests/mini/cmocka.h (no cmocka library for the target); the programs are linked statically.
# ALBERT_TEST_LIGHT=1 (set here) trims the heaviest loops under emulation; every check still runs.
XTEST_ENV ?= ALBERT_TEST_LIGHT=1
cross-test: $(PROGRAMS) $(TESTS)
	@cd tests && failed=; for t in $(TESTS); do echo "== $$t"; \
	  $(XTEST_ENV) ALBERT_CONVERT=$(XCONVERT) $(XRUN) ../$$t || failed="$$failed $$t"; done; \
	  if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; echo "all $(words $(TESTS)) test programs passed ($(B))"
	$(XRUN) $(B)/albert-convert$(EXE) -q --vocab tests/data/tok/en.model tests/data/demo $(B)/demo.albert
	$(XRUN) $(B)/albert-cli$(EXE) encode $(B)/demo.albert --text "ALBERT shares one layer across the whole network." --pooled
# qemu-user runs one foreign program; the tests start the converter through this wrapper.
$(B)/albert-convert-run: | $(B)
	printf '#!/bin/sh\nexec %s "$$(dirname "$$0")/albert-convert" "$$@"\n' "$(XRUN)" > $@ && chmod +x $@
	printf '#!/bin/sh\nexec %s "$$(dirname "$$0")/albert-cli" "$$@"\n' "$(XRUN)" > $(B)/albert-cli-run && chmod +x $(B)/albert-cli-run
XCROSS = CFLAGS="-std=c99 -O2 $(WARN) -I. -isystem tests/mini" LDFLAGS=-static CMOCKA=

# AArch64 (NEON kernels): everything, under qemu-aarch64.
aarch64:
	$(MAKE) B=build-aarch64 CC=aarch64-linux-gnu-gcc $(XCROSS) XRUN=qemu-aarch64 build-aarch64/albert-convert-run
	$(MAKE) B=build-aarch64 CC=aarch64-linux-gnu-gcc $(XCROSS) XRUN=qemu-aarch64 XCONVERT=../build-aarch64/albert-convert-run \
	  TESTS="$(patsubst tests/%.c,build-aarch64/%,$(wildcard tests/test_*.c))" cross-test

# Big-endian s390x (scalar kernels; the model is byte-swapped into memory at load), under qemu-s390x: the
# converter's files must be byte-identical to the x86 converter's (f32, f16, int8, bf16, tokenizers), then the
# tests in S390X_TESTS (the ones whose own fixtures are endian-clean; the others build test blobs or read
# checkpoints with host-order memcpy).
S390X_TESTS ?= golden heads platform bad_input formats
s390x: $(B)/albert-convert
	$(MAKE) B=build-s390x CC=s390x-linux-gnu-gcc $(XCROSS) XRUN=qemu-s390x build-s390x/albert-convert-run build-s390x/albert-convert
	set -e; for spec in "tiny" "groups" "relu" "classify" "tiny --dtype f16" "tiny --dtype int8" "relu --dtype bf16" \
	    "tests/data/demo --vocab tests/data/tok/en.model" "tests/data/tok/zh/vocab.txt --tokenizer-only"; do \
	  set -- $$spec; src=$$1; shift; [ -e "$$src" ] || src=tests/data/models/$$src; \
	  $(B)/albert-convert -q "$$@" $$src build-s390x/cmp-x86.albert; \
	  qemu-s390x build-s390x/albert-convert -q "$$@" $$src build-s390x/cmp-s390x.albert; \
	  cmp build-s390x/cmp-x86.albert build-s390x/cmp-s390x.albert; echo "s390x converter = x86 converter: $$spec"; done
	$(MAKE) B=build-s390x CC=s390x-linux-gnu-gcc $(XCROSS) XRUN=qemu-s390x XCONVERT=../build-s390x/albert-convert-run \
	  TESTS="$(patsubst %,build-s390x/test_%,$(S390X_TESTS))" cross-test

# Windows x86-64 (MinGW-w64, Win32 threads and file mapping, AVX2/AVX-512 dispatch): everything, under wine.
WINE ?= wine
# The tests' POSIX calls (mkdtemp, posix_memalign, system() of shell commands) come from tests/mini/win/win_compat.h
# (its posix_memalign makes GCC 12 see false buffer overflows: -Wno-stringop-overflow in this build only).
windows:
	$(MAKE) B=build-windows CC=x86_64-w64-mingw32-gcc EXE=.exe \
	  CFLAGS="-std=c99 -O2 $(WARN) -Wno-stringop-overflow -I. -isystem tests/mini -isystem tests/mini/win -include tests/mini/win/win_compat.h" \
	  LDFLAGS=-static CMOCKA= LDLIBS="-lm -lpthread -lpsapi" XRUN="$(WINE)" XCONVERT=../build-windows/albert-convert.exe cross-test

# WebAssembly (emscripten, run under node): the library, CLI, converter and every test built with the WASM SIMD128
# kernels (-msimd128) and threads (-pthread: Web Workers; main() runs on a worker of its own, PROXY_TO_PTHREAD, so
# that node's main thread stays free to start more), then `make test` in build-wasm (its C programs: the shell tests check the host tool chain and install, not wasm). Each program is a node script
# with a #! line (tests/mini/node-shebang.js), so the tests run it, and the converter, as native programs.
# NODERAWFS: the real file system; EXIT_RUNTIME: node exits with main's status; the heap grows up to 4 GB.
# The tests use tests/mini/cmocka.h (no cmocka library for wasm), whose system() goes through node's child_process.
# WASM_OPT="-O2 -DALBERT_NO_SIMD": the scalar kernels. NODE_PATH: Debian's emcc needs node to find its acorn.
EMCC      ?= emcc
WASM_OPT  ?= -O2 -msimd128
WASM_LINK  = -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=8MB \
             -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=4 -Wno-pthreads-mem-growth -sENVIRONMENT=node,worker \
             --extern-pre-js tests/mini/node-shebang.js --js-library tests/mini/node-system.js
WASM_MAKE  = $(MAKE) B=build-wasm CC="$(EMCC)" CXX="$(EMCC:emcc=em++)" CMOCKA= \
             OPT="$(WASM_OPT) -pthread -Itests/mini" LDLIBS="-lm -pthread $(WASM_LINK)"
wasm: export NODE_PATH := /usr/share/nodejs$(if $(NODE_PATH),:$(NODE_PATH))
wasm:
	+$(WASM_MAKE) all build-wasm/cxx_compile
	chmod +x $(patsubst $(B)/%,build-wasm/%,$(PROGRAMS) $(TESTS)) build-wasm/embed-cxx build-wasm/embed-batch \
	  build-wasm/cxx_compile
	+$(WASM_MAKE) test SHTESTS=

# The WebAssembly build's speed under node against ONNX Runtime's WebAssembly build (onnxruntime-web), side by side.
wasm-bench: export NODE_PATH := /usr/share/nodejs$(if $(NODE_PATH),:$(NODE_PATH))
wasm-bench:
	+$(WASM_MAKE) build-wasm/albert-bench build-wasm/albert-convert
	chmod +x build-wasm/albert-bench build-wasm/albert-convert
	sh tools/wasm-bench.sh

# Under valgrind: every test but VALGRIND_SKIP (the numerics-heavy golden sweeps, whose code paths the other tests
# and ASan cover), to keep .ci/run within 30 minutes; `make valgrind VALGRIND_SKIP=` runs them all.
VALGRIND_SKIP ?= golden quant sentence tasks brightmart
valgrind:
	$(MAKE) test TESTS="$(filter-out $(patsubst %,$(B)/test_%,$(VALGRIND_SKIP)),$(TESTS))" \
	  RUN="ALBERT_TEST_LIGHT=1 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"

# ThreadSanitizer on the thread test (TSAN_CC: clang or gcc).
TSAN_CC ?= clang
tsan:
	$(MAKE) B=build-tsan CC=$(TSAN_CC) OPT="-O1 -g -fsanitize=thread" build-tsan/test_threads
	cd tests && ALBERT_CONVERT=../build-tsan/albert-convert TSAN_OPTIONS=halt_on_error=1 ../build-tsan/test_threads

# make lib: the library as a static archive (build/libalbert.a) from tools/albert.c.
# make install PREFIX=/usr/local DESTDIR=...: albert.h -> include/, albert-convert and albert-cli -> bin/,
# libalbert.a -> lib/, albert.pc -> lib/pkgconfig/ (pkg-config --cflags --libs albert). make uninstall removes them.
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION  = $(shell sed -n 's/^\#define ALBERT_VERSION_STRING "\(.*\)"/\1/p' albert.h)
lib: $(B)/libalbert.a
$(B)/albert.pc: albert.h Makefile | $(B)
	printf 'prefix=%s\nincludedir=$${prefix}/include\nlibdir=$${prefix}/lib\n\nName: albert\nDescription: %s\nVersion: %s\nCflags: -I$${includedir}\nLibs: -L$${libdir} -lalbert -lm -lpthread\n' \
	  '$(PREFIX)' 'ALBERT inference in one C header (albert.h)' '$(VERSION)' > $@
install: $(B)/albert-convert $(B)/albert-cli $(B)/libalbert.a $(B)/albert.pc
	install -d '$(DESTDIR)$(PREFIX)/include' '$(DESTDIR)$(PREFIX)/bin' '$(DESTDIR)$(PREFIX)/lib/pkgconfig'
	install -m 644 albert.h '$(DESTDIR)$(PREFIX)/include/albert.h'
	install -m 755 $(B)/albert-convert $(B)/albert-cli '$(DESTDIR)$(PREFIX)/bin/'
	install -m 644 $(B)/libalbert.a '$(DESTDIR)$(PREFIX)/lib/libalbert.a'
	install -m 644 $(B)/albert.pc '$(DESTDIR)$(PREFIX)/lib/pkgconfig/albert.pc'
uninstall:
	rm -f '$(DESTDIR)$(PREFIX)/include/albert.h' '$(DESTDIR)$(PREFIX)/bin/albert-convert' \
	  '$(DESTDIR)$(PREFIX)/bin/albert-cli' '$(DESTDIR)$(PREFIX)/lib/libalbert.a' \
	  '$(DESTDIR)$(PREFIX)/lib/pkgconfig/albert.pc'

demo: $(B)/albert-convert $(B)/albert-cli
	$(B)/albert-convert --vocab tests/data/tok/en.model tests/data/demo $(B)/demo.albert
	$(B)/albert-cli tokenize $(B)/demo.albert "ALBERT shares one layer across the whole network."
	$(B)/albert-cli encode $(B)/demo.albert --text "ALBERT shares one layer across the whole network." --pooled
	$(B)/albert-cli embed $(B)/demo.albert tests/data/tok/golden/texts.txt --format npy --out $(B)/demo-texts.npy
	$(B)/albert-cli search $(B)/demo.albert "the quick brown fox" tests/data/tok/golden/texts.txt --vectors $(B)/demo-texts.npy --top 3

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
	rm -rf $(B) build-asan build-tsan build-nosimd build-avx2 build-aarch64 build-s390x build-windows build-wasm

.PHONY: $(B)/albert.pc all lib install uninstall test cross-test sanitize nosimd avx2 aarch64 s390x windows wasm wasm-bench valgrind tsan demo bench tokbench clean
