"""Cross-document people: which person each PER cluster of the store is.

A document's clusters already join the mentions of one person in that document under the
fullest name it gives (:mod:`hebnews.clusters`); clitic prefixes are already stripped. Across
documents the rule is:

* a person is keyed by the name (compared as :func:`hebnews.store.rows.name_key`: words
  without edge punctuation, ׳ and ״ written ' and ") plus type: every PER cluster named
  ``דונלד טראמפ``, in any document, is the one person ``דונלד טראמפ``;
* a cluster whose name is one word (טראמפ: the document never gives the full name) joins the
  person whose name of two or more words ends with that word, when the store holds exactly
  one such name; with none, or with two or more (דונלד טראמפ and איוונקה טראמפ), it stays the
  one-word person טראמפ (no guess);
* the rule reads the whole store, so the result does not depend on the order documents were
  indexed in: a one-word cluster indexed before the full name joins it when the full name
  arrives, and leaves it when a second full name with that surname makes it ambiguous.

Other cluster types are compared by label and name only (no person).
"""
from __future__ import annotations

import sqlite3

PERSON = "PER"


def person_id(db: sqlite3.Connection, name: str, last: str) -> int:
    db.execute("INSERT OR IGNORE INTO people(name, label, surname) VALUES (?, ?, ?)", (name, PERSON, last))
    return db.execute("SELECT id FROM people WHERE name=? AND label=?", (name, PERSON)).fetchone()[0]


def relink(db: sqlite3.Connection, surnames: set[str]) -> None:
    """Set ``clusters.person`` for every PER cluster whose name ends with one of ``surnames``
    (the names a change touched), and drop people no cluster is any longer."""
    for last in sorted(surnames):
        names = [r[0] for r in db.execute(
            "SELECT DISTINCT name_key FROM clusters WHERE label=? AND surname=?", (PERSON, last))]
        full = [n for n in names if " " in n]
        for name in names:
            person = name if " " in name or len(full) != 1 else full[0]
            pid = person_id(db, person, last)
            db.execute("UPDATE clusters SET person=? WHERE label=? AND surname=? AND name_key=? "
                       "AND person IS NOT ?", (pid, PERSON, last, name, pid))
        db.execute("DELETE FROM people WHERE surname=? AND NOT EXISTS "
                   "(SELECT 1 FROM clusters WHERE clusters.person = people.id)", (last,))
