#!/usr/bin/python3
"""Expected question-answering spans and token-classification entities for tests/test_tasks.c.

Run once (python3 + numpy, Debian's python3-numpy): /usr/bin/python3 make_decode_expected.py
It writes qa_decode.txt and ner_decode.txt next to itself; they are committed with this script.

What it computes: the post-processing of HF transformers' pipelines, written here step by step as the pipeline
source does it (transformers/pipelines/question_answering.py: select_starts_ends, decode_spans and the
fast-tokenizer branch of QuestionAnsweringPipeline.postprocess with align_to_words=True, get_answer,
get_indices; transformers/pipelines/token_classification.py: softmax, gather_pre_entities, aggregate with
AggregationStrategy NONE / SIMPLE, group_entities, group_sub_entities, get_tag, ignore_labels ["O"]), applied
to HF's own golden logits of the `qa` and `tokcls` models (cases/*.bin in this folder, from
../shared/golden/tasks). The golden models have no tokenizer, so the token layout (which token is the question,
the context, a special; the byte offsets of each token in a made-up context text; the words) is synthetic and
written into the files for the C test to use with the same logits.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load(head, case, tensor, shape):
    return np.fromfile(os.path.join(HERE, head, "cases", f"{case}.{tensor}.bin"), dtype="<f4").reshape(shape)


def load_i32(head, case, tensor, shape):
    return np.fromfile(os.path.join(HERE, head, "cases", f"{case}.{tensor}.bin"), dtype="<i4").reshape(shape)


# ------------------------------------------------------------------ question answering (pipeline code, numpy)
def decode_spans(start, end, topk, max_answer_len, undesired_tokens):
    if start.ndim == 1:
        start = start[None]
    if end.ndim == 1:
        end = end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    desired_spans = np.isin(starts, undesired_tokens.nonzero()) & np.isin(ends, undesired_tokens.nonzero())
    starts = starts[desired_spans]
    ends = ends[desired_spans]
    scores = candidates[0, starts, ends]
    return starts, ends, scores


def select_starts_ends(start, end, p_mask, attention_mask, min_null_score=1000000, top_k=1,
                       handle_impossible_answer=False, max_answer_len=15):
    undesired_tokens = np.abs(np.array(p_mask) - 1)
    if attention_mask is not None:
        undesired_tokens = undesired_tokens & attention_mask
    undesired_tokens_mask = undesired_tokens == 0.0
    start = np.where(undesired_tokens_mask, -10000.0, start)
    end = np.where(undesired_tokens_mask, -10000.0, end)
    start = np.exp(start - start.max(axis=-1, keepdims=True))
    start = start / start.sum()
    end = np.exp(end - end.max(axis=-1, keepdims=True))
    end = end / end.sum()
    if handle_impossible_answer:
        min_null_score = min(min_null_score, (start[0, 0] * end[0, 0]).item())
    start[0, 0] = end[0, 0] = 0.0
    starts, ends, scores = decode_spans(start, end, top_k, max_answer_len, undesired_tokens)
    return starts, ends, scores, min_null_score


def get_indices(window, s, e):
    """get_indices(align_to_words=True): token_to_word / word_to_chars (sequence 1), else the offsets."""
    words = window["word"]
    if words[s] is None or words[e] is None:   # token_to_word None -> word_to_chars raises -> offsets
        return window["offsets"][s][0], window["offsets"][e][1]
    in_word = [i for i in range(len(words)) if words[i] == words[s]]
    start_index = window["offsets"][in_word[0]][0]
    in_word = [i for i in range(len(words)) if words[i] == words[e]]
    end_index = window["offsets"][in_word[-1]][1]
    return start_index, end_index


def qa_postprocess(context, windows, top_k=1, handle_impossible_answer=False, max_answer_len=15):
    min_null_score = 1000000
    answers = []
    for w in windows:
        start_ = w["start"][None].astype(np.float32)
        end_ = w["end"][None].astype(np.float32)
        p_mask = np.array(w["p_mask"])
        attention_mask = np.array(w["attention_mask"])[None]
        pre_topk = top_k * 2 + 10
        starts, ends, scores, min_null_score = select_starts_ends(
            start_, end_, p_mask, attention_mask, min_null_score, pre_topk, handle_impossible_answer, max_answer_len)
        for s, e, score in zip(starts, ends, scores):
            start_index, end_index = get_indices(w, s, e)
            target_answer = context[start_index:end_index]
            answer = None
            for a in answers:
                if a["answer"].lower() == target_answer.lower():
                    answer = a
                    break
            if answer:
                answer["score"] += score.item()
            else:
                answers.append({"score": score.item(), "start": start_index, "end": end_index,
                                "answer": context[start_index:end_index]})
    if handle_impossible_answer:
        answers.append({"score": min_null_score, "start": 0, "end": 0, "answer": ""})
    answers = sorted(answers, key=lambda x: x["score"], reverse=True)[:top_k]
    return answers


def make_context(word_tokens, words):
    """A context text from words (each a list of token texts); returns the text and per-token offsets."""
    text = ""
    offsets = []
    for i, pieces in enumerate(words):
        if i:
            text += " "
        for p in pieces:
            offsets.append((len(text), len(text) + len(p)))
            text += p
    assert len(offsets) == word_tokens
    return text, offsets


def qa_window(start, end, mask, layout, ctx_offsets, ctx_words):
    """layout: per position 'c' (CLS), 'q' (question), 's' (SEP), a context token index (int), or 'p' (padding)."""
    n = len(layout)
    w = {"start": start[:n], "end": end[:n], "p_mask": [], "attention_mask": [], "offsets": [], "word": [],
         "layout": layout}
    for x in layout:
        is_ctx = isinstance(x, int)
        w["p_mask"].append(0 if is_ctx or x == "c" else 1)   # sequence_ids != 1 -> 1; the CLS unmasked
        w["attention_mask"].append(0 if x == "p" else 1)
        w["offsets"].append(ctx_offsets[x] if is_ctx else (0, 0))
        w["word"].append(ctx_words[x] if is_ctx else None)
    return w


def write_qa(out):
    # the words of the made-up context: token texts (several tokens = one word); equal words in other cases
    words = [["Al", "bert"], ["is"], ["a"], ["li", "te"], ["BERT"], ["for"], ["self", "-", "super", "vised"],
             ["learn", "ing"], ["of"], ["bert"], ["language"], ["ALBERT"], ["shares"], ["layers"]]
    n_tokens = sum(len(w) for w in words)
    context, offsets = make_context(n_tokens, words)
    word_of = [i for i, w in enumerate(words) for _ in w]
    cases = []

    # one window: b1_maxpos, CLS, 18 question tokens, SEP, 19 context tokens (0..18), SEP
    start = load("qa", "b1_maxpos", "start_logits", (1, 40))[0]
    end = load("qa", "b1_maxpos", "end_logits", (1, 40))[0]
    layout = ["c"] + ["q"] * 18 + ["s"] + list(range(19)) + ["s"]
    single = [("b1_maxpos", 0, qa_window(start, end, None, layout, offsets, word_of))]
    for top_k, mal, imp in [(1, 15, 0), (5, 3, 0), (3, 15, 1), (8, 1, 0)]:
        cases.append(("single", top_k, mal, imp, single))

    # three windows (b3_pad rows): row 0 context tokens 0..4, row 1 tokens 3..4 (overlap), row 2 none (padding)
    start = load("qa", "b3_pad", "start_logits", (3, 12))
    end = load("qa", "b3_pad", "end_logits", (3, 12))
    lay0 = ["c", "q", "q", "q", "q", "s", 0, 1, 2, 3, 4, "s"]
    lay1 = ["c", "q", "q", "s", 3, 4, "s", "p", "p", "p", "p", "p"]
    lay2 = ["c", "q", "s", "p", "p", "p", "p", "p", "p", "p", "p", "p"]
    multi = [("b3_pad", r, qa_window(start[r], end[r], None, lay, offsets, word_of))
             for r, lay in enumerate([lay0, lay1, lay2])]
    for top_k, mal, imp in [(1, 15, 0), (4, 15, 0), (20, 15, 1), (3, 2, 1)]:
        cases.append(("windows", top_k, mal, imp, multi))

    out.write("# question-answering spans: HF pipeline post-processing on HF's golden logits (make_decode_expected.py)\n")
    out.write(f"context {context}\n")
    for name, top_k, mal, imp, windows in cases:
        answers = qa_postprocess(context, [w for _, _, w in windows], top_k, bool(imp), mal)
        out.write(f"case {name} {top_k} {mal} {imp} {len(windows)}\n")
        for gcase, row, w in windows:
            n = sum(w["attention_mask"])
            out.write(f"window {gcase} {row} {n}\n")
            for i in range(n):
                x = w["layout"][i]
                is_ctx = isinstance(x, int)
                word_start = is_ctx and (i == 0 or not isinstance(w["layout"][i - 1], int)
                                         or w["word"][i - 1] != w["word"][i])
                out.write(f"tok {i} {1 - w['p_mask'][i]} {int(is_ctx)} {int(word_start)} "
                          f"{w['offsets'][i][0] if is_ctx else -1} {w['offsets'][i][1] if is_ctx else -1}\n")
        for a in answers:
            out.write(f"answer {a['score']:.9g} {a['start']} {a['end']} {a['answer']}\n")
        out.write("end\n")


# ------------------------------------------------------------------ token classification (pipeline code, numpy)
ID2LABEL = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}


def get_tag(entity_name):
    if entity_name.startswith("B-"):
        bi = "B"
        tag = entity_name[2:]
    elif entity_name.startswith("I-"):
        bi = "I"
        tag = entity_name[2:]
    else:
        bi = "I"
        tag = entity_name
    return bi, tag


def group_sub_entities(entities):
    entity = entities[0]["entity"].split("-", 1)[-1]
    scores = np.nanmean([entity["score"] for entity in entities])
    return {"entity_group": entity, "score": np.mean(scores), "start": entities[0]["start"],
            "end": entities[-1]["end"], "first": entities[0]["index"], "last": entities[-1]["index"]}


def group_entities(entities):
    entity_groups = []
    entity_group_disagg = []
    for entity in entities:
        if not entity_group_disagg:
            entity_group_disagg.append(entity)
            continue
        bi, tag = get_tag(entity["entity"])
        last_bi, last_tag = get_tag(entity_group_disagg[-1]["entity"])
        if tag == last_tag and bi != "B":
            entity_group_disagg.append(entity)
        else:
            entity_groups.append(group_sub_entities(entity_group_disagg))
            entity_group_disagg = [entity]
    if entity_group_disagg:
        entity_groups.append(group_sub_entities(entity_group_disagg))
    return entity_groups


def ner_postprocess(logits, special, offsets, aggregation):
    maxes = np.max(logits, axis=-1, keepdims=True)
    shifted_exp = np.exp(logits - maxes)
    scores = shifted_exp / shifted_exp.sum(axis=-1, keepdims=True)
    entities = []
    for idx, token_scores in enumerate(scores):
        if special[idx]:
            continue
        entity_idx = token_scores.argmax()
        entities.append({"entity": ID2LABEL[int(entity_idx)], "label_id": int(entity_idx),
                         "score": token_scores[entity_idx], "index": idx,
                         "start": offsets[idx][0], "end": offsets[idx][1]})
    if aggregation == "simple":
        entities = group_entities(entities)
    return [e for e in entities if e.get("entity", None) not in ["O"] and e.get("entity_group", None) not in ["O"]]


def write_ner(out):
    out.write("# token classification: HF pipeline post-processing on HF's golden logits (make_decode_expected.py)\n")
    # the golden logits, and the b1_maxpos ones with each token's 5 logits rotated so that its best label follows
    # `pattern` (HF's argmax there is I-PER everywhere): B-B, B-I, I after another tag, O between, ... (the
    # rotated logits are written into the file)
    pattern = [1, 2, 2, 0, 3, 4, 4, 3, 3, 2, 0, 0, 1, 1, 2, 4, 2, 0, 3, 4, 0, 2, 2, 1, 4, 4, 0, 3, 2, 1, 0, 0, 1, 2,
               3, 4, 4, 0]
    for gcase, S, rows in [("b1_maxpos", 40, [40]), ("b3_pad", 12, [12, 7, 3]), ("mixed", 40, [40])]:
        logits = load("tokcls", "b1_maxpos" if gcase == "mixed" else gcase, "logits", (len(rows), S, 5))
        if gcase == "mixed":
            for i in range(1, 39):
                best = int(logits[0, i].argmax())
                logits[0, i] = np.roll(logits[0, i], (pattern[i - 1] - best) % 5)
                assert int(logits[0, i].argmax()) == pattern[i - 1]
        for r, n in enumerate(rows):
            special = [i == 0 or i == n - 1 for i in range(n)]
            offsets, at = [], 0
            for i in range(n):   # made-up pieces of 1..3 bytes, a space before every third token
                if special[i]:
                    offsets.append((-1, -1))
                    continue
                at += 1 if i % 3 == 0 else 0
                length = 1 + (i * 7) % 3
                offsets.append((at, at + length))
                at += length
            for aggregation in ["none", "simple"]:
                entities = ner_postprocess(logits[r, :n], special, offsets, aggregation)
                out.write(f"case {gcase} {r} {aggregation} {n}\n")
                for i in range(n):
                    out.write(f"tok {i} {int(special[i])} {offsets[i][0]} {offsets[i][1]}\n")
                    if gcase == "mixed":
                        out.write("logit %d %s\n" % (i, " ".join("%.9g" % v for v in logits[r, i])))
                for e in entities:
                    if aggregation == "none":
                        out.write(f"entity {e['entity']} {e['score']:.9g} {e['start']} {e['end']} {e['index']} 1\n")
                    else:
                        out.write(f"entity {e['entity_group']} {e['score']:.9g} {e['start']} {e['end']} "
                                  f"{e['first']} {e['last'] - e['first'] + 1}\n")
                out.write("end\n")


if __name__ == "__main__":
    with open(os.path.join(HERE, "qa_decode.txt"), "w") as f:
        write_qa(f)
    with open(os.path.join(HERE, "ner_decode.txt"), "w") as f:
        write_ner(f)
