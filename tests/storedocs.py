"""Small hand-made hebnews.document/1 dicts for the store tests (no model needed).

    d = Article("a.txt", day="2025-08-15")
    trump = d.ent("דונלד טראמפ", "PER")       # a new cluster, named by its fullest mention
    d.say(" נחת באלסקה. ")
    d.ent("טראמפ", "PER", trump)              # another mention of the same cluster
    d.quote("נגיע להסכם", trump, cue="אמר", gender="male")
    doc = d.build()
"""
from __future__ import annotations

from collections import Counter

from hebnews.lang.he import NAME_EDGE


class Article:
    def __init__(self, source: str, day: str | None = None, title: str | None = None, **meta):
        self.text = ""
        self.meta = {"source": source, "model": "test", "version": "0", **meta}
        if day:
            self.meta["published"] = f"{day}T08:00:00Z"
        if title:
            self.meta["title"] = title
        self.entities: list[dict] = []
        self.clusters: list[dict] = []
        self.quotes: list[dict] = []

    def say(self, text: str) -> "Article":
        self.text += text
        return self

    def ent(self, text: str, label: str = "PER", cluster: str | None = None) -> str:
        """Add an entity mention; returns its cluster id (a new cluster unless ``cluster``)."""
        if self.text and not self.text.endswith(" "):
            self.text += " "
        start = len(self.text)
        self.text += text
        eid = f"e{len(self.entities) + 1}"
        if cluster is None:
            cluster = f"c{len(self.clusters) + 1}"
            self.clusters.append({"id": cluster, "name": text, "label": label, "mentions": []})
        c = next(c for c in self.clusters if c["id"] == cluster)
        c["mentions"].append(eid)
        if len(text.split()) > len(c["name"].split()):
            c["name"] = text
        self.entities.append({"id": eid, "start": start, "end": len(self.text), "text": text,
                              "label": label, "score": 0.9, "cluster": cluster})
        self.text += " "
        return cluster

    def quote(self, content: str, cluster: str | None = None, cue: str | None = "אמר",
              speaker: str | None = None, gender: str | None = None, gender_from: str | None = None) -> None:
        """A quotation, then its cue; the speaker is the cluster's last mention (or the words
        ``speaker`` when it is no entity)."""
        self.text += '"'
        start = len(self.text)
        self.text += content
        end = len(self.text)
        self.text += '", '
        cue_span = None
        if cue:
            cue_span = {"start": len(self.text), "end": len(self.text) + len(cue), "text": cue}
            self.text += cue + ". "
        sp = None
        if cluster is not None:
            c = next(c for c in self.clusters if c["id"] == cluster)
            sp = {"text": c["name"], "entity": c["mentions"][-1], "mention": None}
        elif speaker is not None:
            sp = {"text": speaker, "entity": None, "mention": None}
        if sp is not None and gender is not None:
            sp.update(gender=gender, gender_from=gender_from or "test")
        self.quotes.append({"id": f"q{len(self.quotes) + 1}", "start": start, "end": end, "text": content,
                            "score": 0.9, "speaker": sp, "cue": cue_span})

    def build(self) -> dict:
        return {"schema": "hebnews.document/1", "text": self.text, "meta": dict(self.meta),
                "sentences": [{"start": 0, "end": len(self.text)}], "tokens": [],
                "entities": [dict(e) for e in self.entities], "quotes": [dict(q) for q in self.quotes],
                "clusters": [dict(c, mentions=list(c["mentions"])) for c in self.clusters]}


def corpus() -> list[dict]:
    """Four articles over three days: two people called טראמפ in one of them (so the surname
    alone is ambiguous once both are in the store), surname-only mentions elsewhere, quotes
    with and without a gender."""
    a = Article("news/a.txt", day="2025-08-14", title="הפסגה באלסקה")
    trump = a.ent("דונלד טראמפ")
    a.say("נפגש עם")
    putin = a.ent("ולדימיר פוטין")
    a.say("ב")
    a.ent("אלסקה", "GPE")
    a.say(". ")
    a.quote("נגיע להסכם", trump, gender="male")
    a.ent("טראמפ", "PER", trump)
    a.quote("זו פגישה חשובה", putin, cue="הוסיף", gender="male")
    b = Article("news/b.txt", day="2025-08-15", title="זלנסקי בבית הלבן")
    zel = b.ent("זלנסקי")
    b.say("הגיע ל")
    b.ent("וושינגטון", "GPE")
    b.say(". ")
    b.quote("לא נוותר על שטחים", zel, gender="male", gender_from="verb")
    b.quote("השלום חייב להיות צודק", zel, cue="הדגיש")
    b.ent("טראמפ")
    c = Article("news/c.txt", day="2025-08-15", title="ראיון")
    c.ent("וולודימיר זלנסקי")
    c.say("ו")
    kallas = c.ent("קאיה קאלאס")
    c.quote("אירופה תעמוד לצד אוקראינה", kallas, cue="אמרה", gender="female", gender_from="verb")
    c.quote("ההחלטה התקבלה", speaker="דובר המשטרה")
    d = Article("news/d.txt", day="2025-08-16", title="משפחת טראמפ")
    d.ent("איוונקה טראמפ")
    d.say("ו")
    d.ent("אלסקה", "GPE")
    return [a.build(), b.build(), c.build(), d.build()]


def expected_mentions(docs) -> Counter:
    """Mentions per person counted from the JSON itself: the PER clusters' entity mentions under
    the name of the cluster (its words without edge punctuation), a one-word name under the one
    full name ending with it."""
    per = Counter()
    for doc in docs:
        name = {c["id"]: " ".join(w.strip(NAME_EDGE) for w in c["name"].split() if w.strip(NAME_EDGE))
                for c in doc.get("clusters", []) if c["label"] == "PER"}
        per.update(name[e["cluster"]] for e in doc["entities"] if e.get("cluster") in name)
    full = [n for n in per if " " in n]
    out = Counter()
    for n, k in per.items():
        ends = [f for f in full if f.split()[-1] == n]
        out[ends[0] if " " not in n and len(ends) == 1 else n] += k
    return out
