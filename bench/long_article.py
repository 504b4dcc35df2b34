"""Long-input check (not a test): a 1 MB Hebrew "article" and one 5,000-token sentence.

Builds the article from the HTB news documents in ``--data-dir`` (whole documents, until 1 MB
of text), annotates it in one call, checks every offset and prints time and peak RSS. The second
case removes all punctuation and line breaks from the first 5,000 tokens' worth of text, so the
segmenter sees one sentence and the encoder must window it.

    python bench/long_article.py [--data-dir ../shared/data] [--model models/hebnews-ner]
"""
from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--model", default=str(ROOT / "models" / "hebnews-ner"))
    ap.add_argument("--size", type=int, default=1 << 20, help="UTF-8 bytes of text (1 MiB)")
    args = ap.parse_args()

    from hebnews import Annotator
    from hebnews.document import validate
    from hebnews.corpora.htb import htb_documents

    docs = [d.text for d in htb_documents(args.data_dir)]
    parts, n = [], 0
    while n < args.size:  # whole documents, cycling through the corpus if it is smaller
        t = docs[len(parts) % len(docs)]
        parts.append(t)
        n += len(t.encode("utf-8")) + 2
    article = "\n\n".join(parts)
    words = re.sub(r"[^\w\s\"'-]", " ", article).split()
    sentence = " ".join(words[:5000])

    ann = Annotator.load(args.model, device="cpu")
    for name, text in (("1 MB article", article), ("5,000-token sentence", sentence)):
        t0 = time.perf_counter()
        doc = ann.annotate(text).to_dict()
        secs = time.perf_counter() - t0
        validate(doc)  # schema + text[start:end] == span everywhere
        print(f"{name}: {len(text.encode('utf-8')):,} bytes, {len(text):,} chars, {len(doc['sentences']):,} sentences, {len(doc['tokens']):,} "
              f"tokens, {len(doc['entities']):,} entities, {secs:.1f} s, "
              f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
