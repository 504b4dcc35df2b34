"""Snapshot of what hebnews outputs, to prove a refactor behaviour-preserving.

    python bench/snapshot.py build/snap-before            # on the old commit
    python bench/snapshot.py build/snap-after             # on the new one
    python bench/snapshot.py --compare build/snap-before build/snap-after
    python bench/snapshot.py --sets seed,quote-dev build/snap    # only some of the sets

Annotates the seed article, the quote dev gold texts and the 50 raw HTB documents
(../shared/data/htb_coref_documents) and writes one JSONL per set: entities, clusters and quotes
of every document (meta's version/model fields left out). ``--compare`` prints the documents
that differ and exits 1 when any does.
"""
from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ("seed", "quote-dev", "htb-raw")


def texts(name: str, data_dir: Path) -> list[tuple[str, str]]:
    if name == "seed":
        return [(p.name, p.read_text("utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    if name == "quote-dev":
        rows = [json.loads(line) for line in (ROOT / "data" / "quotes" / "dev.jsonl").open(encoding="utf-8")]
        return [(r["id"], r["text"]) for r in rows]
    out = []
    with tarfile.open(data_dir / "htb_coref_documents" / "htb_coref_docs.tar.xz") as tar:
        for m in sorted(tar.getmembers(), key=lambda m: m.name):
            if "raw_documents" in m.name and m.isfile() and m.name.endswith(".txt"):
                out.append((m.name.split("raw_documents/")[1], tar.extractfile(m).read().decode("utf-8")))
    return out


def layers(doc: dict) -> dict:
    return {k: doc[k] for k in ("sentences", "tokens", "entities", "clusters", "quotes")}


def snapshot(out: Path, data_dir: Path, sets=SETS) -> None:
    try:
        from hebnews import Annotator
    except ImportError:  # before the package was renamed
        from hebnews import Annotator

    ann = Annotator.load(device="cpu")
    out.mkdir(parents=True, exist_ok=True)
    for name in sets:
        items = texts(name, data_dir)
        docs = ann.annotate_many([t for _, t in items])
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for (key, _), doc in zip(items, docs):
                f.write(json.dumps({"key": key, **layers(doc.to_dict())}, ensure_ascii=False) + "\n")
        print(f"{name}: {len(items)} documents", file=sys.stderr)


def compare(a: Path, b: Path, sets=SETS) -> int:
    bad = 0
    for name in sets:
        left = [json.loads(x) for x in (a / f"{name}.jsonl").open(encoding="utf-8")]
        right = [json.loads(x) for x in (b / f"{name}.jsonl").open(encoding="utf-8")]
        diff = [x["key"] for x, y in zip(left, right) if x != y]
        if len(left) != len(right):
            diff.append(f"<{len(left)} vs {len(right)} documents>")
        bad += len(diff)
        print(f"{name}: {len(left)} documents, {len(diff)} differ" + (f": {diff[:10]}" if diff else ""))
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", nargs="+")
    p.add_argument("--compare", action="store_true")
    p.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)} (default: all)")
    args = p.parse_args()
    sets = tuple(args.sets.split(","))
    if set(sets) - set(SETS):
        p.error(f"unknown set(s): {', '.join(sorted(set(sets) - set(SETS)))}")
    if args.compare:
        return compare(Path(args.dirs[0]), Path(args.dirs[1]), sets)
    snapshot(Path(args.dirs[0]), Path(args.data_dir), sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
