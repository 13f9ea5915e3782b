/* gen-unicode.c - writes tools/tok_unicode_data.h, the Unicode tables of the tokenizers (run by hand).

   Build and run (from the repository root; Debian package unicode-data provides the UCD files):

       cc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -o /tmp/gen-unicode tools/gen-unicode.c
       /tmp/gen-unicode /usr/share/unicode 14.0 > tools/tok_unicode_data.h

   The second argument is the newest Unicode version to keep: code points assigned later (DerivedAge.txt) are
   left unassigned, so the tables match the unicodedata/str of a Python built with that version. HF's
   reference tokenizers ran on Debian bookworm's Python 3.11 (unicodedata.unidata_version 14.0.0), while
   unicode-data there is 15.0.0, hence 14.0. What the tables mean is described in albert.h (Unicode part)
   ("THE uni.* TENSORS"); they reproduce CPython's Tools/unicode/makeunicodedata.py rules:
     category, combining class, bidi class (for str.isspace) from UnicodeData.txt;
     lower(): SpecialCasing.txt unconditional mapping if any, else UnicodeData's simple lowercase;
     Cased / Case_Ignorable from DerivedCoreProperties.txt (Final_Sigma);
     NFC pairs: canonical 2-code-point decompositions whose first code point has combining class 0 and whose
     composite is not in CompositionExclusions.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define N_CP 0x110000
#define PAGE 256
#define N_PAGES (N_CP / PAGE)
#define MAX_SEQ 32

enum { FLAG_SPACE = 1, FLAG_CASED = 2, FLAG_CASE_IGNORABLE = 4, FLAG_NFD = 8, FLAG_NFKD = 16, FLAG_LOWER = 32,
       FLAG_COMPOSE_SECOND = 64 };

static const char *category_names[] = {
    "Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf",
    "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"
};

typedef struct {
    uint8_t category, ccc, flags, assigned;
    uint8_t decomp_len, decomp_compat;     /* UnicodeData decomposition mapping (one level) */
    uint32_t decomp[MAX_SEQ];
    uint8_t lower_len;
    uint32_t lower[3];
} cp_info;

static cp_info *info;
static int keep_major, keep_minor;

static void die(const char *msg, const char *detail)
{
    fprintf(stderr, "gen-unicode: %s %s\n", msg, detail ? detail : "");
    exit(1);
}

static FILE *open_ucd(const char *dir, const char *name)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f) die("cannot open", path);
    return f;
}

/* Parses "XXXX" or "XXXX..YYYY" at s; returns 0 on success. */
static int parse_range(const char *s, uint32_t *first, uint32_t *last)
{
    char *end;
    unsigned long a = strtoul(s, &end, 16), b;
    if (end == s) return -1;
    b = a;
    if (end[0] == '.' && end[1] == '.') b = strtoul(end + 2, &end, 16);
    if (a > b || b >= N_CP) return -1;
    *first = (uint32_t)a; *last = (uint32_t)b;
    return 0;
}

static int category_index(const char *name)
{
    int i;
    for (i = 0; i < (int)(sizeof category_names / sizeof category_names[0]); i++)
        if (strncmp(category_names[i], name, 2) == 0) return i;
    die("unknown category", name);
    return 0;
}

/* Reads the hex code points of s (space separated) into out; returns the count. */
static int parse_sequence(const char *s, uint32_t *out, int max)
{
    int n = 0;
    for (;;) {
        char *end;
        unsigned long v;
        while (*s == ' ') s++;
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'F') || (*s >= 'a' && *s <= 'f'))) break;
        v = strtoul(s, &end, 16);
        if (n == max || v >= N_CP) die("bad sequence", s);
        out[n++] = (uint32_t)v;
        s = end;
    }
    return n;
}

static void read_ages(const char *dir, uint8_t *keep)
{
    FILE *f = open_ucd(dir, "DerivedAge.txt");
    char line[512];
    while (fgets(line, sizeof line, f)) {
        uint32_t a, b, c;
        char *semi;
        int major = 0, minor = 0;
        if (line[0] == '#' || line[0] == '\n') continue;
        semi = strchr(line, ';');
        if (!semi || parse_range(line, &a, &b) != 0 || sscanf(semi + 1, " %d.%d", &major, &minor) != 2) die("bad line", line);
        if (major < keep_major || (major == keep_major && minor <= keep_minor))
            for (c = a; c <= b; c++) keep[c] = 1;
    }
    fclose(f);
}

static void read_unicode_data(const char *dir, const uint8_t *keep)
{
    FILE *f = open_ucd(dir, "UnicodeData.txt");
    char line[1024];
    uint32_t range_first = 0;
    while (fgets(line, sizeof line, f)) {
        char *field[15];
        char *p = line;
        int n = 0;
        uint32_t cp, first, c;
        cp_info rec;
        while (n < 15) {
            field[n++] = p;
            p = strchr(p, ';');
            if (!p) break;
            *p++ = 0;
        }
        if (n != 15) die("bad UnicodeData line", line);
        cp = (uint32_t)strtoul(field[0], NULL, 16);
        memset(&rec, 0, sizeof rec);
        rec.assigned = 1;
        rec.category = (uint8_t)category_index(field[2]);
        rec.ccc = (uint8_t)atoi(field[3]);
        if (rec.category == 23 || !strcmp(field[4], "WS") || !strcmp(field[4], "B") || !strcmp(field[4], "S"))
            rec.flags |= FLAG_SPACE;
        if (field[5][0]) {
            const char *d = field[5];
            if (d[0] == '<') { rec.decomp_compat = 1; d = strchr(d, '>') + 1; }
            rec.decomp_len = (uint8_t)parse_sequence(d, rec.decomp, MAX_SEQ);
        }
        if (field[13][0]) { rec.lower_len = 1; rec.lower[0] = (uint32_t)strtoul(field[13], NULL, 16); }
        if (strstr(field[1], ", First>")) { range_first = cp; continue; }
        first = strstr(field[1], ", Last>") ? range_first : cp;
        for (c = first; c <= cp; c++)
            if (keep[c]) info[c] = rec;
    }
    fclose(f);
}

static void read_special_casing(const char *dir, const uint8_t *keep)
{
    FILE *f = open_ucd(dir, "SpecialCasing.txt");
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#'), *field[6], *p = line;
        int n = 0;
        uint32_t cp;
        if (hash) *hash = 0;
        if (!strchr(line, ';')) continue;
        while (n < 6) {
            field[n++] = p;
            p = strchr(p, ';');
            if (!p) break;
            *p++ = 0;
        }
        if (n < 5) die("bad SpecialCasing line", line);
        if (n == 6 && strspn(field[4], " ") != strlen(field[4])) continue;   /* conditional: ignored, as Python */
        cp = (uint32_t)strtoul(field[0], NULL, 16);
        if (cp >= N_CP || !keep[cp]) continue;
        info[cp].lower_len = (uint8_t)parse_sequence(field[1], info[cp].lower, 3);
    }
    fclose(f);
}

static void read_core_property(const char *dir, const char *file, const char *property, uint8_t flag, const uint8_t *keep)
{
    FILE *f = open_ucd(dir, file);
    char line[512], name[128];
    while (fgets(line, sizeof line, f)) {
        uint32_t a, b, c;
        char *semi;
        if (line[0] == '#' || line[0] == '\n') continue;
        semi = strchr(line, ';');
        if (!semi || parse_range(line, &a, &b) != 0 || sscanf(semi + 1, " %127[A-Za-z_]", name) != 1) die("bad line", line);
        if (strcmp(name, property) != 0) continue;
        for (c = a; c <= b; c++)
            if (keep[c]) info[c].flags |= flag;
    }
    fclose(f);
}

static void read_exclusions(const char *dir, uint8_t *excluded)
{
    FILE *f = open_ucd(dir, "CompositionExclusions.txt");
    char line[512];
    while (fgets(line, sizeof line, f)) {
        uint32_t a, b, c;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (parse_range(line, &a, &b) != 0) die("bad line", line);
        for (c = a; c <= b; c++) excluded[c] = 1;
    }
    fclose(f);
}

/* Full recursive decomposition of cp (compat: any mapping; else canonical only), Hangul included. */
static int full_decomposition(uint32_t cp, int compat, uint32_t *out, int depth)
{
    const cp_info *r = &info[cp];
    int n = 0, i;
    if (depth > 20) die("decomposition too deep", NULL);
    if (cp >= 0xAC00 && cp < 0xAC00 + 11172) {
        uint32_t s = cp - 0xAC00;
        out[n++] = 0x1100 + s / 588;
        out[n++] = 0x1161 + (s % 588) / 28;
        if (s % 28) out[n++] = 0x11A7 + s % 28;
        return n;
    }
    if (r->decomp_len == 0 || (r->decomp_compat && !compat)) { out[0] = cp; return 1; }
    for (i = 0; i < r->decomp_len; i++) {
        uint32_t part[MAX_SEQ];
        int k, m = full_decomposition(r->decomp[i], compat, part, depth + 1);
        if (n + m > MAX_SEQ) die("decomposition too long", NULL);
        for (k = 0; k < m; k++) out[n++] = part[k];
    }
    return n;
}

/* ---------------------------------------------------------------- output */
typedef struct { uint32_t *index; uint32_t n_rows; uint32_t *data; uint32_t n_data; } seq_table;

static void table_add(seq_table *t, uint32_t cp, const uint32_t *seq, int n)
{
    int i;
    t->index[2 * t->n_rows] = cp;
    t->index[2 * t->n_rows + 1] = t->n_data | ((uint32_t)n << 24);
    t->n_rows++;
    for (i = 0; i < n; i++) t->data[t->n_data++] = seq[i];
}

static void print_u32_array(const char *name, const uint32_t *v, size_t n)
{
    size_t i;
    printf("static const uint32_t %s[%lu] = {", name, (unsigned long)(n ? n : 1));
    for (i = 0; i < n; i++) printf("%s0x%X,", i % 12 == 0 ? "\n    " : "", (unsigned)v[i]);
    if (n == 0) printf("0");
    printf("\n};\n");
}

static void print_u8_array(const char *name, const uint8_t *v, size_t n)
{
    size_t i;
    printf("static const uint8_t %s[%lu] = {", name, (unsigned long)n);
    for (i = 0; i < n; i++) printf("%s%u,", i % 32 == 0 ? "\n    " : "", (unsigned)v[i]);
    printf("\n};\n");
}

int main(int argc, char **argv)
{
    static uint8_t keep[N_CP], excluded[N_CP], record_of[N_CP];
    static uint32_t stage1[N_PAGES];
    uint8_t props[256][4], *stage2;
    int n_props = 0, n_blocks = 0;
    uint32_t cp, *compose, n_compose = 0, page;
    seq_table nfd, nfkd, lower;
    const char *dir;

    if (argc != 3 || sscanf(argv[2], "%d.%d", &keep_major, &keep_minor) != 2) {
        fprintf(stderr, "usage: gen-unicode UCD_DIR MAX_VERSION   (e.g. /usr/share/unicode 14.0)\n");
        return 2;
    }
    dir = argv[1];
    info = (cp_info *)calloc(N_CP, sizeof(cp_info));
    stage2 = (uint8_t *)malloc(N_CP);
    compose = (uint32_t *)malloc(3 * 4096 * sizeof(uint32_t));
    nfd.index = (uint32_t *)malloc(2 * N_CP / 4 * sizeof(uint32_t)); nfd.data = (uint32_t *)malloc(N_CP * sizeof(uint32_t));
    nfkd.index = (uint32_t *)malloc(2 * N_CP / 4 * sizeof(uint32_t)); nfkd.data = (uint32_t *)malloc(N_CP * sizeof(uint32_t));
    lower.index = (uint32_t *)malloc(2 * N_CP / 4 * sizeof(uint32_t)); lower.data = (uint32_t *)malloc(N_CP * sizeof(uint32_t));
    if (!info || !stage2 || !compose || !nfd.index || !nfd.data || !nfkd.index || !nfkd.data || !lower.index || !lower.data)
        die("out of memory", NULL);
    nfd.n_rows = nfd.n_data = nfkd.n_rows = nfkd.n_data = lower.n_rows = lower.n_data = 0;

    read_ages(dir, keep);
    read_unicode_data(dir, keep);
    read_special_casing(dir, keep);
    read_core_property(dir, "DerivedCoreProperties.txt", "Cased", FLAG_CASED, keep);
    read_core_property(dir, "DerivedCoreProperties.txt", "Case_Ignorable", FLAG_CASE_IGNORABLE, keep);
    read_exclusions(dir, excluded);

    for (cp = 0; cp < N_CP; cp++) {
        uint32_t canon[MAX_SEQ], compat[MAX_SEQ];
        int nc, nk, same, i;
        if (!info[cp].assigned) continue;
        if (cp >= 0xAC00 && cp < 0xAC00 + 11172) continue;                 /* Hangul: algorithmic */
        nc = full_decomposition(cp, 0, canon, 0);
        nk = full_decomposition(cp, 1, compat, 0);
        if (nc != 1 || canon[0] != cp) { table_add(&nfd, cp, canon, nc); info[cp].flags |= FLAG_NFD; }
        same = nk == nc;
        for (i = 0; same && i < nk; i++) same = compat[i] == canon[i];
        if (!same) { table_add(&nfkd, cp, compat, nk); info[cp].flags |= FLAG_NFKD; }
        if (info[cp].lower_len && !(info[cp].lower_len == 1 && info[cp].lower[0] == cp)) {
            table_add(&lower, cp, info[cp].lower, info[cp].lower_len);
            info[cp].flags |= FLAG_LOWER;
        }
        /* NFC pairs, as makeunicodedata.py */
        if (!info[cp].decomp_compat && info[cp].decomp_len == 2 && !excluded[cp] && info[info[cp].decomp[0]].ccc == 0) {
            if (n_compose == 4096) die("too many compositions", NULL);
            compose[3 * n_compose] = info[cp].decomp[0];
            compose[3 * n_compose + 1] = info[cp].decomp[1];
            compose[3 * n_compose + 2] = cp;
            n_compose++;
            info[info[cp].decomp[1]].flags |= FLAG_COMPOSE_SECOND;
        }
    }
    /* sort compositions by (first, second) (insertion sort: ~1000 rows) */
    {
        uint32_t i, j;
        for (i = 1; i < n_compose; i++) {
            uint32_t row[3];
            memcpy(row, compose + 3 * i, sizeof row);
            for (j = i; j > 0 && (compose[3 * (j - 1)] > row[0] ||
                                  (compose[3 * (j - 1)] == row[0] && compose[3 * (j - 1) + 1] > row[1])); j--)
                memcpy(compose + 3 * j, compose + 3 * (j - 1), sizeof row);
            memcpy(compose + 3 * j, row, sizeof row);
        }
        for (i = 1; i < n_compose; i++)
            if (compose[3 * (i - 1)] == compose[3 * i] && compose[3 * (i - 1) + 1] == compose[3 * i + 1])
                die("duplicate composition pair", NULL);
    }
    /* property records and the two-stage table */
    for (cp = 0; cp < N_CP; cp++) {
        uint8_t rec[4];
        int r;
        rec[0] = info[cp].category; rec[1] = info[cp].ccc; rec[2] = info[cp].flags; rec[3] = 0;
        for (r = 0; r < n_props; r++)
            if (memcmp(props[r], rec, 4) == 0) break;
        if (r == n_props) {
            if (n_props == 256) die("more than 256 property records", NULL);
            memcpy(props[n_props++], rec, 4);
        }
        record_of[cp] = (uint8_t)r;
    }
    for (page = 0; page < N_PAGES; page++) {
        int b;
        for (b = 0; b < n_blocks; b++)
            if (memcmp(stage2 + (size_t)b * PAGE, record_of + (size_t)page * PAGE, PAGE) == 0) break;
        if (b == n_blocks) memcpy(stage2 + (size_t)n_blocks++ * PAGE, record_of + (size_t)page * PAGE, PAGE);
        stage1[page] = (uint32_t)b;
    }

    printf("/* tok_unicode_data.h - GENERATED by tools/gen-unicode.c from the Unicode Character Database (%s),\n"
           "   code points assigned up to Unicode %d.%d. Do not edit; see albert.h (Unicode part) for the layout. */\n",
           dir, keep_major, keep_minor);
    printf("#define TOK_UNI_VERSION \"%d.%d\"\n", keep_major, keep_minor);
    printf("#define TOK_UNI_PAGES %d\n#define TOK_UNI_BLOCKS %d\n#define TOK_UNI_PROPS %d\n", N_PAGES, n_blocks, n_props);
    printf("#define TOK_UNI_NFD_ROWS %u\n#define TOK_UNI_NFD_DATA %u\n", (unsigned)nfd.n_rows, (unsigned)nfd.n_data);
    printf("#define TOK_UNI_NFKD_ROWS %u\n#define TOK_UNI_NFKD_DATA %u\n", (unsigned)nfkd.n_rows, (unsigned)nfkd.n_data);
    printf("#define TOK_UNI_LOWER_ROWS %u\n#define TOK_UNI_LOWER_DATA %u\n", (unsigned)lower.n_rows, (unsigned)lower.n_data);
    printf("#define TOK_UNI_COMPOSE_ROWS %u\n", (unsigned)n_compose);
    print_u32_array("tok_uni_stage1", stage1, N_PAGES);
    print_u8_array("tok_uni_stage2", stage2, (size_t)n_blocks * PAGE);
    print_u8_array("tok_uni_props", &props[0][0], (size_t)n_props * 4);
    print_u32_array("tok_uni_nfd_index", nfd.index, 2 * (size_t)nfd.n_rows);
    print_u32_array("tok_uni_nfd_data", nfd.data, nfd.n_data);
    print_u32_array("tok_uni_nfkd_index", nfkd.index, 2 * (size_t)nfkd.n_rows);
    print_u32_array("tok_uni_nfkd_data", nfkd.data, nfkd.n_data);
    print_u32_array("tok_uni_lower_index", lower.index, 2 * (size_t)lower.n_rows);
    print_u32_array("tok_uni_lower_data", lower.data, lower.n_data);
    print_u32_array("tok_uni_compose", compose, 3 * (size_t)n_compose);
    fprintf(stderr, "gen-unicode: %d blocks, %d records, nfd %u/%u, nfkd %u/%u, lower %u/%u, compose %u\n", n_blocks, n_props,
            (unsigned)nfd.n_rows, (unsigned)nfd.n_data, (unsigned)nfkd.n_rows, (unsigned)nfkd.n_data,
            (unsigned)lower.n_rows, (unsigned)lower.n_data, (unsigned)n_compose);
    return 0;
}
