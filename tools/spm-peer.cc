/* spm-peer.cc - the tokenizer speed peer: Debian's libsentencepiece (C++) against albert.h on the same model and
   text, side by side in one process, in interleaved rounds (so a busy machine slows all of them alike).

   Built only by an explicit command (needs libsentencepiece-dev; not part of `make`):
       c++ -std=c++17 -O2 -I. tools/spm-peer.cc -o build/spm-peer -lsentencepiece -lm -lpthread
   Run:
       build/spm-peer 30k-clean.model tokenizer.albert big.txt [rounds]
   where tokenizer.albert is the same model converted (albert-convert --tokenizer-only 30k-clean.model ...).

   Per line (every "\n"-separated line encoded on its own) and whole text (the file in one call), it times:
     libsentencepiece      SentencePieceProcessor::Encode(text, &ids) into a reused vector (= EncodeAsIds
                           without the vector allocation: the peer's fastest id path)
     albert_sentencepiece_encode   the same algorithm in albert.h (same ids: checked below)
     albert_tokenize       HF AlbertTokenizer pipeline (preprocess_text, NFKD, lower, [CLS]/[SEP], digit-comma)
   and prints MB/s (input bytes / best time over the rounds), the median, and the token counts. Before timing it
   checks that albert_sentencepiece_encode gives exactly libsentencepiece's ids on every line and on the whole
   text, and prints the number of mismatching lines (must be 0). */
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <time.h>

#define ALBERT_IMPLEMENTATION
#include "albert.h"

static double now_seconds()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool read_file(const char *path, std::string *out)
{
    FILE *f = std::fopen(path, "rb");
    if (!f) return false;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
    std::fclose(f);
    return true;
}

struct Line {
    const char *text;
    size_t len;
};

enum Engine { SPM, ALBERT_SPM, ALBERT_HF, N_ENGINES };
static const char *const engine_names[N_ENGINES] = {"libsentencepiece Encode", "albert_sentencepiece_encode",
                                                    "albert_tokenize (HF)"};

struct Runner {
    sentencepiece::SentencePieceProcessor *sp;
    const albert_model *model;
    std::vector<int> spm_ids;
    std::vector<int32_t> ids;

    /* Encodes one text with engine e; returns the token count (-1 on error). */
    long encode(int e, const char *text, size_t len)
    {
        if (e == SPM) {
            if (!sp->Encode(absl::string_view(text, len), &spm_ids).ok()) return -1;
            return (long)spm_ids.size();
        }
        albert_tokens tok;
        std::memset(&tok, 0, sizeof(tok));
        tok.ids = ids.data();
        tok.capacity = (int32_t)ids.size();
        albert_result r = e == ALBERT_SPM ? albert_sentencepiece_encode(model, text, len, &tok)
                                          : albert_tokenize(model, text, len, NULL, 0, 0, &tok);
        return r == ALBERT_OK ? (long)tok.n_tokens : -1;
    }
};

int main(int argc, char **argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s model.model tokenizer.albert text.txt [rounds]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 4 ? std::atoi(argv[4]) : 5;
    if (rounds < 1) rounds = 1;
    sentencepiece::SentencePieceProcessor sp;
    if (!sp.Load(argv[1]).ok()) { std::fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    albert_model *model = NULL;
    albert_error err;
    if (albert_model_load(argv[2], &model, &err) != ALBERT_OK) { std::fprintf(stderr, "%s\n", err.message); return 1; }
    std::string text;
    if (!read_file(argv[3], &text)) { std::fprintf(stderr, "cannot read %s\n", argv[3]); return 1; }

    std::vector<Line> lines;
    for (size_t start = 0; start < text.size();) {
        size_t nl = text.find('\n', start);
        size_t end = nl == std::string::npos ? text.size() : nl;
        Line l = {text.data() + start, end - start};
        lines.push_back(l);
        start = end + 1;
    }
    Runner run;
    run.sp = &sp;
    run.model = model;
    run.ids.resize(text.size() + 16);   /* at most one token per byte, plus the specials */

    /* exactness: albert_sentencepiece_encode == libsentencepiece, line by line and on the whole text */
    long mismatches = 0;
    for (size_t i = 0; i < lines.size(); i++) {
        long n_spm = run.encode(SPM, lines[i].text, lines[i].len);
        long n_alb = run.encode(ALBERT_SPM, lines[i].text, lines[i].len);
        if (n_spm != n_alb || n_spm < 0 ||
            !std::equal(run.spm_ids.begin(), run.spm_ids.end(), run.ids.begin())) {
            if (mismatches < 3) std::fprintf(stderr, "mismatch on line %zu\n", i + 1);
            mismatches++;
        }
    }
    {
        long n_spm = run.encode(SPM, text.data(), text.size());
        long n_alb = run.encode(ALBERT_SPM, text.data(), text.size());
        if (n_spm != n_alb || n_spm < 0 || !std::equal(run.spm_ids.begin(), run.spm_ids.end(), run.ids.begin())) {
            std::fprintf(stderr, "mismatch on the whole text\n");
            mismatches++;
        }
    }

    double load[3] = {0, 0, 0};
    FILE *la = std::fopen("/proc/loadavg", "r");
    if (la) {
        if (std::fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
        std::fclose(la);
    }
    std::printf("text: %s, %.2f MB, %zu lines; %d rounds; load average %.2f; exactness: %ld mismatching texts\n",
                argv[3], (double)text.size() / 1e6, lines.size(), rounds, load[0], mismatches);

    for (int whole = 0; whole < 2; whole++) {
        std::vector<double> times[N_ENGINES];
        long tokens[N_ENGINES] = {0, 0, 0};
        for (int r = 0; r < rounds; r++) {
            for (int e = 0; e < N_ENGINES; e++) {
                double t0 = now_seconds();
                long n = 0;
                if (whole) {
                    n = run.encode(e, text.data(), text.size());
                    if (n < 0) { std::fprintf(stderr, "%s failed\n", engine_names[e]); return 1; }
                } else {
                    for (size_t i = 0; i < lines.size(); i++) {
                        long k = run.encode(e, lines[i].text, lines[i].len);
                        if (k < 0) { std::fprintf(stderr, "%s failed\n", engine_names[e]); return 1; }
                        n += k;
                    }
                }
                times[e].push_back(now_seconds() - t0);
                tokens[e] = n;
            }
        }
        std::printf("%s:\n", whole ? "whole text (one call)" : "per line");
        for (int e = 0; e < N_ENGINES; e++) {
            std::vector<double> &t = times[e];
            std::sort(t.begin(), t.end());
            std::printf("  %-30s %8.2f MB/s best  %8.2f MB/s median  %9ld tokens\n", engine_names[e],
                        (double)text.size() / t[0] / 1e6, (double)text.size() / t[t.size() / 2] / 1e6, tokens[e]);
        }
    }
    albert_model_free(model);
    return mismatches == 0 ? 0 : 1;
}
