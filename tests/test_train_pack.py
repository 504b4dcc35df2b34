"""Document-context training data: consecutive sentences packed into runs (no model needed)."""
import random

from hebnews.train.ner import Rows, pack_rows

CLS, SEP = 0, 2


def _rows(n: int, rng: random.Random) -> Rows:
    ids, labels = [], []
    for i in range(n):
        k = rng.randint(1, 30)
        body = [100 + i] * k  # every sentence's sub-words carry its number
        ids.append([CLS] + body + [SEP])
        labels.append([-100] + [rng.choice([-100, 0, 1, 5]) for _ in body] + [-100])
    return Rows({"input_ids": ids, "labels": labels})


def test_runs_keep_every_subword_and_label_in_order():
    rng = random.Random(3)
    ds = _rows(200, rng)
    packed = pack_rows(ds, 64, random.Random(7))
    body = [x for r in ds["input_ids"] for x in r[1:-1]]
    assert [x for r in packed["input_ids"] for x in r[1:-1]] == body
    assert [x for r in packed["labels"] for x in r[1:-1]] == [x for r in ds["labels"] for x in r[1:-1]]
    for ids, lab in zip(packed["input_ids"], packed["labels"]):
        assert ids[0] == CLS and ids[-1] == SEP and ids.count(CLS) == 1 and ids.count(SEP) == 1
        assert lab[0] == lab[-1] == -100 and len(ids) == len(lab) and len(ids) <= 64
        # sentences are never cut: a run holds whole sentences
        first, last = ids[1], ids[-2]
        assert ids[1:-1].count(first) == ds["input_ids"][first - 100].count(first)
        assert ids[1:-1].count(last) == ds["input_ids"][last - 100].count(last)
    assert len(packed) < len(ds) / 2  # neighbours really are joined


def test_run_lengths_vary_and_a_long_sentence_stays_alone():
    ds = Rows({"input_ids": [[CLS] + [7] * 10 + [SEP], [CLS] + [8] * 80 + [SEP], [CLS] + [9] * 3 + [SEP]],
               "labels": [[-100] + [1] * 10 + [-100], [-100] + [2] * 80 + [-100], [-100] + [3] * 3 + [-100]]})
    packed = pack_rows(ds, 32, random.Random(0))
    assert [len(r) for r in packed["input_ids"]] == [12, 82, 5]
    rng = random.Random(1)
    lens = {tuple(len(r) for r in pack_rows(_rows(100, rng), 64, random.Random(s))["input_ids"]) for s in range(5)}
    assert len(lens) > 1  # boundaries move between epochs
