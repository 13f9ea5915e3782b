# gen_english.py SEED N - English-like random texts for the ASCII fast paths of albert.h's tokenizers (mostly
# ASCII words, case, punctuation, digit-comma numbers, `` and '' quotes, every ASCII whitespace and control
# character, special tokens and near misses, a few non-ASCII characters incl. ones that become U+03A3), with
# reference ids from Debian's python3-sentencepiece 0.1.97 (sp_ids) and the same transcription of transformers'
# AlbertTokenizer as gen_random.py (hf_ids). Run in tests/data/tok/random with /usr/bin/python3:
#     python3 ../gen_english.py 11 600
import random, re, sys, unicodedata
import sentencepiece as spm
random.seed(int(sys.argv[1]))
N = int(sys.argv[2])
SPECIALS = ["[CLS]", "[SEP]", "<unk>", "<pad>", "[MASK]"]
WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an "
         "they you were their one all we can her has there been if more when will would who so no license software "
         "program copyright distribute modify terms conditions source code object work warranty merchantability "
         "fitness particular purpose holders contributors derivative covered permission notice including without "
         "limitation provided however section paragraph licensee licensor patent trademark tokenizer sentencepiece "
         "albert transformer embedding attention").split()
PUNCT = list(".,;:!?()-/\"'`[]<>{}#$%&*+=@^_|~")
SPACES = [" ", " ", " ", "  ", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "   "]
CONTROL = ["\x00", "\x01", "\x07", "\x1b", "\x7f"]
NON_ASCII = ["é", "’", "“", "”", "—", "©", "Σ", "𝚺", "ﬁ", "\u00a0", "\u3000", "ü", "ß", "İ", "½", "²", "™", "…"]
NEAR = ["[MASK]", "[CLS]", "[SEP]", "<unk>", "<pad>", "<PAD>", "<UNK>", "[mask]", "[MAS", "<un", "[SE", "[CLS"]

def word():
    w = random.choice(WORDS)
    r = random.random()
    if r < 0.15: w = w.capitalize()
    elif r < 0.18: w = w.upper()
    return w

def number():
    n = random.randint(0, 10 ** random.randint(1, 9))
    s = "{:,}".format(n) if random.random() < 0.6 else str(n)
    return s + ("," if random.random() < 0.4 else "")

def text():
    out = []
    for _ in range(random.randint(0, 30)):
        r = random.random()
        if r < 0.55: out.append(word())
        elif r < 0.63: out.append(number())
        elif r < 0.75: out.append(random.choice(PUNCT))
        elif r < 0.80: out.append(random.choice(["``", "''", "'", "`", '"', "```", "'''"]))
        elif r < 0.86: out.append(random.choice(NEAR))
        elif r < 0.90: out.append(random.choice(CONTROL))
        elif r < 0.95: out.append(random.choice(NON_ASCII))
        else: out.append(random.choice(SPACES) * random.randint(1, 3))
        out.append(random.choice(SPACES) if random.random() < 0.8 else "")
    return "".join(out)

def hf_encode(sp, text):   # as gen_random.py
    pat = "(" + "|".join(re.escape(s) for s in SPECIALS) + r")|(.+?)"
    text = re.sub(pat, lambda m: m.groups()[0] or m.groups()[1].lower(), text, flags=re.S)
    toks = []; i = 0; start = 0
    while i < len(text):
        hit = None
        for s in SPECIALS:
            if text.startswith(s, i): hit = s; break
        if hit is None: i += 1; continue
        if i > start: toks.append(text[start:i])
        toks.append(hit); i += len(hit); start = i
    if start < len(text): toks.append(text[start:])
    for k, t in enumerate(toks):
        if t == "[MASK]" and k > 0 and toks[k-1] not in SPECIALS: toks[k-1] = toks[k-1].rstrip()
    ids = [sp.PieceToId("[CLS]")]
    for t in toks:
        if not t: continue
        if t in SPECIALS: ids.append(sp.PieceToId(t)); continue
        x = " ".join(t.strip().split())
        x = x.replace("``", '"').replace("''", '"')
        x = unicodedata.normalize("NFKD", x)
        x = "".join(c for c in x if not unicodedata.combining(c))
        x = x.lower()
        pieces = sp.encode(x, out_type=str)
        new = []
        for piece in pieces:
            if len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit():
                cur = sp.EncodeAsPieces(piece[:-1].replace("\u2581", ""))
                if piece[0] != "\u2581" and cur[0][0] == "\u2581":
                    if len(cur[0]) == 1: cur = cur[1:]
                    else: cur[0] = cur[0][1:]
                cur.append(piece[-1]); new.extend(cur)
            else: new.append(piece)
        ids.extend(sp.PieceToId(p) for p in new)
    ids.append(sp.PieceToId("[SEP]"))
    return ids

texts = [text().replace("\n", " ") for _ in range(N)]
with open("english_texts.txt", "w", encoding="utf-8", newline="") as f: f.write("\n".join(texts) + "\n")
models = {"en": "../en.model", "de": "../de.model", "vi": "../vi.model"}
for k, p in models.items():
    sp = spm.SentencePieceProcessor(model_file=p)
    with open(k + "_english_sp_ids.txt", "w") as f:
        for t in texts: f.write(" ".join(map(str, sp.encode(t))) + "\n")
    with open(k + "_english_hf_ids.txt", "w") as f:
        for t in texts: f.write(" ".join(map(str, hf_encode(sp, t))) + "\n")
sp = spm.SentencePieceProcessor(model_file="../bytefb.model")
with open("bytefb_english_sp_ids.txt", "w") as f:
    for t in texts: f.write(" ".join(map(str, sp.encode(t))) + "\n")
