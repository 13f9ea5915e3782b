# albert.h — `make` builds everything into build/, `make test` runs the tests, `make demo` shows it working.
CC       ?= cc
CXX      ?= c++
OPT      ?= -O2 -g
WARN      = -Wall -Wextra -pedantic -Werror
CFLAGS   += -std=c99 $(OPT) $(WARN) -I.
CXXFLAGS += -std=c++11 $(OPT) $(WARN) -I.
LDLIBS   += -lm -lpthread
B         = build

CONVERT_SRC = tools/albert-convert.c $(wildcard tools/ck_*.c tools/tok_*.c tools/blob*.c tools/json*.c)
TESTS       = $(patsubst tests/%.c,$(B)/%,$(wildcard tests/test_*.c))

all: $(B)/albert-convert $(B)/albert-cli $(B)/embed $(B)/albert-bench $(TESTS)

$(B):
	mkdir -p $(B)
$(B)/albert-convert: $(CONVERT_SRC) tools/convert.h | $(B)
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

test: all $(B)/cxx_compile
	$(B)/cxx_compile
	cd tests && for t in $(TESTS); do ../$$t || exit 1; done

demo: $(B)/albert-convert $(B)/albert-cli
	$(B)/albert-convert tests/data/demo $(B)/demo.albert
	$(B)/albert-cli tokenize $(B)/demo.albert "ALBERT shares one layer across the whole network."
	$(B)/albert-cli encode $(B)/demo.albert --text "ALBERT shares one layer across the whole network." --pooled

bench: $(B)/albert-bench $(B)/albert-convert
	sh tools/bench.sh

clean:
	rm -rf $(B)

.PHONY: all test demo bench clean
