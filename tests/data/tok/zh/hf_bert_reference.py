# Dev-time only (not run by the tests). A transcription of transformers v4.34-v4.37 slow BertTokenizer.encode
# (PreTrainedTokenizer.tokenize lowercasing + special split, BasicTokenizer with NFC, WordpieceTokenizer),
# verified to reproduce all of ../shared/golden/tok/zh/hf_ids.txt. Regenerate the random reference with:
#   python3 hf_bert_reference.py gen vocab.txt 11 600 > random_texts.txt
#   python3 hf_bert_reference.py encode vocab.txt random_texts.txt > random_ids.txt
import unicodedata, re, sys, collections
def load_vocab(path):
    vocab = collections.OrderedDict()
    with open(path, "r", encoding="utf-8") as reader:
        tokens = reader.readlines()
    for index, token in enumerate(tokens):
        token = token.rstrip("\n")
        vocab[token] = index
    return vocab
def whitespace_tokenize(text):
    text = text.strip()
    if not text: return []
    return text.split()
def _is_whitespace(char):
    if char == " " or char == "\t" or char == "\n" or char == "\r": return True
    return unicodedata.category(char) == "Zs"
def _is_control(char):
    if char == "\t" or char == "\n" or char == "\r": return False
    return unicodedata.category(char).startswith("C")
def _is_punctuation(char):
    cp = ord(char)
    if (cp >= 33 and cp <= 47) or (cp >= 58 and cp <= 64) or (cp >= 91 and cp <= 96) or (cp >= 123 and cp <= 126): return True
    return unicodedata.category(char).startswith("P")
def _is_chinese_char(cp):
    return ((cp >= 0x4E00 and cp <= 0x9FFF) or (cp >= 0x3400 and cp <= 0x4DBF) or (cp >= 0x20000 and cp <= 0x2A6DF)
        or (cp >= 0x2A700 and cp <= 0x2B73F) or (cp >= 0x2B740 and cp <= 0x2B81F) or (cp >= 0x2B820 and cp <= 0x2CEAF)
        or (cp >= 0xF900 and cp <= 0xFAFF) or (cp >= 0x2F800 and cp <= 0x2FA1F))
class Basic:
    def __init__(self, never_split):
        self.never_split = set(never_split)
    def tokenize(self, text, never_split):
        never_split = self.never_split.union(set(never_split))
        text = self._clean_text(text)
        text = self._tokenize_chinese_chars(text)
        text = unicodedata.normalize("NFC", text)
        orig = whitespace_tokenize(text)
        split_tokens = []
        for token in orig:
            if token not in never_split:
                token = token.lower()
                token = self._run_strip_accents(token)
            split_tokens.extend(self._run_split_on_punc(token, never_split))
        return whitespace_tokenize(" ".join(split_tokens))
    def _run_strip_accents(self, text):
        text = unicodedata.normalize("NFD", text)
        return "".join(c for c in text if unicodedata.category(c) != "Mn")
    def _run_split_on_punc(self, text, never_split=None):
        if never_split is not None and text in never_split: return [text]
        chars = list(text); i = 0; start_new_word = True; output = []
        while i < len(chars):
            char = chars[i]
            if _is_punctuation(char):
                output.append([char]); start_new_word = True
            else:
                if start_new_word: output.append([])
                start_new_word = False
                output[-1].append(char)
            i += 1
        return ["".join(x) for x in output]
    def _tokenize_chinese_chars(self, text):
        output = []
        for char in text:
            cp = ord(char)
            if _is_chinese_char(cp): output += [" ", char, " "]
            else: output.append(char)
        return "".join(output)
    def _clean_text(self, text):
        output = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or _is_control(char): continue
            output.append(" " if _is_whitespace(char) else char)
        return "".join(output)
def wordpiece(vocab, text, unk="[UNK]", max_chars=100):
    out = []
    for token in whitespace_tokenize(text):
        chars = list(token)
        if len(chars) > max_chars: out.append(unk); continue
        is_bad = False; start = 0; sub = []
        while start < len(chars):
            end = len(chars); cur = None
            while start < end:
                substr = "".join(chars[start:end])
                if start > 0: substr = "##" + substr
                if substr in vocab: cur = substr; break
                end -= 1
            if cur is None: is_bad = True; break
            sub.append(cur); start = end
        if is_bad: out.append(unk)
        else: out.extend(sub)
    return out
SPECIALS = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]
def tokenize(vocab, text):
    # PreTrainedTokenizer.tokenize: lowercase outside special tokens, char by char ((.+?) does not match \n)
    pat = r"(" + r"|".join(re.escape(s) for s in SPECIALS) + r")|" + r"(.+?)"
    text = re.sub(pat, lambda m: m.groups()[0] or m.groups()[1].lower(), text)
    # split on specials (no overlaps among them: earliest match first)
    pieces = re.split("(" + "|".join(re.escape(s) for s in SPECIALS) + ")", text)
    basic = Basic(SPECIALS)
    toks = []
    for p in pieces:
        if not p: continue
        if p in SPECIALS: toks.append(p); continue
        for t in basic.tokenize(p, SPECIALS):
            if t in SPECIALS: toks.append(t)
            else: toks.extend(wordpiece(vocab, t))
    return toks
def encode(vocab, text):
    toks = tokenize(vocab, text)
    return [vocab["[CLS]"]] + [vocab.get(t, vocab["[UNK]"]) for t in toks] + [vocab["[SEP]"]], toks
def gen_texts(vocab_path, seed, count):
    import random
    random.seed(seed)
    vocab = [l.rstrip('\n') for l in open(vocab_path, encoding='utf-8')]
    words = [w[2:] if w.startswith('##') else w for w in vocab if not w.startswith('[')]
    extra = list("ΣσςΑΒΓΔ ,.!?;:'\"()[]{}<>@#$%^&*-_=+\\|/~`\t\r\x0b\x0c\x1c\x85\xa0\u2028\u2029\u3000\u200b\u200d\ufeff\x00\ufffd\u0301\u0308\u0327\u0130\u1e9e\uf900\uf91f\u2126\u212b\u037e\u0387\uac00\u1100\u1161\u11a8\ufb01\u00bd\u2460\U00020000\U0002f800\U0001f600\ue000")
    specials = ["[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "[cls]", "[CLS", "<unk>"]
    for _ in range(count):
        parts = []
        for _ in range(random.randint(1, 12)):
            r = random.random()
            if r < 0.4: w = random.choice(words)
            elif r < 0.55: w = random.choice(words).upper() if random.random() < 0.5 else random.choice(words).title()
            elif r < 0.75: w = ''.join(random.choice(extra) for _ in range(random.randint(1, 4)))
            elif r < 0.8: w = random.choice(specials)
            elif r < 0.85: w = 'a' * random.randint(95, 105)
            elif r < 0.9: w = ''.join(chr(random.randrange(0x20, 0x30000)) for _ in range(random.randint(1, 5)))
            else: w = unicodedata.normalize(random.choice(['NFD', 'NFKD', 'NFC']), random.choice(words) + random.choice(['é', 'Å', 'ñ', 'ΟΔΟΣ', 'İ', 'ǅ']))
            parts.append(w)
            parts.append(random.choice([' ', '', ' ', '  ', '\t', '\u3000']))
        s = ''.join(c for c in ''.join(parts) if c != '\n' and not 0xD800 <= ord(c) <= 0xDFFF)
        sys.stdout.write(s + '\n')
if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen_texts(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        vocab = load_vocab(sys.argv[2])
        lines = open(sys.argv[3], encoding="utf-8", newline="").read().split("\n")
        if lines and lines[-1] == "": lines = lines[:-1]
        for l in lines:
            print(" ".join(map(str, encode(vocab, l)[0])))
