import random, re, unicodedata, sys, os
import sentencepiece as spm
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
SPECIALS = ["[CLS]", "[SEP]", "<unk>", "<pad>", "[MASK]"]
alph = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
extra = list(" ,.,,;:!?'`\"()-–£€▁\t  ") + ["``", "''", "1,", "9,000,", " [MASK] ", "[CLS]", "<pad>", "<PAD>", "<unk>", "[SEP]", "  ", "\u00a0", "\u3000", "\u2028", "\u200b", "é", "ß", "İ", "Σ", "ς", "ﬁ", "①", "²", "Å", "ñ", "ü", "ờ", "ệ", "中", "文", "한", "ア", "ｱ", "ﾊﾟ", "😀", "👍🏽", "\u0301", "\u0308", "ǅ", "℃", "™", "¼", "ｶﾞ", "\r", "\x07", "\ufffd", "𝚺", "Ⅻ", "ﷺ", "\U0001F600\U0001F600", "㍻", "ǰ", "ΐ", "ﬀ"]
def rnd():
    n = random.randint(0, 40)
    out = []
    for _ in range(n):
        r = random.random()
        if r < 0.55: out.append(random.choice(alph))
        elif r < 0.9: out.append(random.choice(extra))
        else: out.append(chr(random.choice([random.randint(0x20, 0x2FF), random.randint(0x300, 0x36F), random.randint(0x370, 0x52F), random.randint(0x1E00, 0x1FFF), random.randint(0x2000, 0x2BFF), random.randint(0x3000, 0x9FFF), random.randint(0xAC00, 0xD7A3), random.randint(0xF900, 0xFFEF), random.randint(0x10000, 0x1FAFF)])))
    s = "".join(out)
    return s.replace("\n", " ")
def is_surrogate_free(s):
    try: s.encode("utf-8"); return True
    except UnicodeEncodeError: return False
def hf_encode(sp, text):
    pat = "(" + "|".join(re.escape(s) for s in SPECIALS) + r")|(.+?)"
    text = re.sub(pat, lambda m: m.groups()[0] or m.groups()[1].lower(), text)
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
models = {"en": "albert-en-30k-clean-rebuilt/30k-clean.model", "de": "albert-de-privately-spm/30k-clean.model", "vi": "albertvi-vietnamese-spm/albertvi_30k-clean.model"}
texts = [t for t in (rnd() for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 2000)) if is_surrogate_free(t)]
with open("texts.txt", "w", encoding="utf-8", newline="") as f: f.write("\n".join(texts) + "\n")
for k, p in models.items():
    sp = spm.SentencePieceProcessor(model_file="/work/shared/realdata/" + p)
    os.makedirs(k, exist_ok=True)
    with open(k + "/sp_ids.txt", "w") as f:
        for t in texts: f.write(" ".join(map(str, sp.encode(t))) + "\n")
    with open(k + "/hf_ids.txt", "w") as f:
        for t in texts: f.write(" ".join(map(str, hf_encode(sp, t))) + "\n")
