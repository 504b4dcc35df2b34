import numpy as np

from hebnews.evaluate.ner import entity_scores
from hebnews.ner import BiosDecoder, biose_labels, tag_spans


def test_label_set():
    labels = biose_labels()
    assert labels[0] == "O" and len(labels) == 1 + 4 * 9
    assert {"B-PER", "I-PER", "E-PER", "S-PER", "S-DUC"} <= set(labels)


def test_strict_spans_drop_malformed_sequences():
    tags = ["B-PER", "E-PER", "O", "S-GPE", "I-ORG", "E-ORG", "B-LOC", "O", "B-ORG", "I-ORG", "E-ORG"]
    spans = [(s.start, s.end, s.label) for s in tag_spans(tags)]
    assert spans == [(0, 2, "PER"), (3, 4, "GPE"), (8, 11, "ORG")]


def test_viterbi_never_outputs_an_invalid_sequence():
    labels = biose_labels()
    dec = BiosDecoder(labels)
    rng = np.random.default_rng(0)
    for _ in range(50):
        lp = np.log(rng.dirichlet(np.ones(len(labels)), size=rng.integers(1, 12)))
        tags = [labels[i] for i in dec.decode(lp)]
        # a valid sequence: every B/I is continued and every I/E was opened
        rebuilt = ["O"] * len(tags)
        for s in tag_spans(tags):
            n = s.end - s.start
            rebuilt[s.start:s.end] = [f"S-{s.label}"] if n == 1 else \
                [f"B-{s.label}"] + [f"I-{s.label}"] * (n - 2) + [f"E-{s.label}"]
        assert rebuilt == tags


def test_viterbi_follows_clear_evidence():
    labels = biose_labels()
    idx = {lab: i for i, lab in enumerate(labels)}
    lp = np.full((3, len(labels)), -10.0)
    lp[0, idx["B-PER"]] = lp[1, idx["E-PER"]] = lp[2, idx["O"]] = -0.01
    assert [labels[i] for i in BiosDecoder(labels).decode(lp)] == ["B-PER", "E-PER", "O"]
    assert BiosDecoder(labels).decode(np.zeros((0, len(labels)))) == []


def test_entity_scores_strict():
    gold = [["B-PER", "E-PER", "O", "S-GPE"], ["S-ORG", "O"]]
    pred = [["B-PER", "E-PER", "O", "S-LOC"], ["S-ORG", "O"]]
    s = entity_scores(gold, pred)
    assert (s["precision"], s["recall"], s["f1"]) == (66.67, 66.67, 66.67)
    assert s["per_label"]["GPE"]["recall"] == 0.0 and s["per_label"]["PER"]["f1"] == 100.0
