"""A newsroom's week of cron runs of ``hebnews feed --db``, and hostile feeds: one article in two
feeds or under a new guid, a store that stops taking documents, a run that finds the lock held,
hostile item meta; the store's questions agree with the JSON outputs."""
import json
import sqlite3

import pytest

from hebnews.feedident import item_ident, url_key
from hebnews.feeds import lock_path, run_feeds, run_lock
from hebnews.feedstate import State
from hebnews.io.sinks import StoreSink
from hebnews.store import Store
from hebnews.store.rows import parse_day

from .feedsite import ARTICLES

DATE = "Tue, 14 Nov 2023 22:13:20 GMT"


def write_feed(path, items) -> None:
    """items: (guid, link, title, description[, pubDate])."""
    body = "".join(f"<item><title>{t}</title><link>{link.replace('&', '&amp;')}</link>"
                   f"<guid isPermaLink='false'>{g}</guid><pubDate>{rest[0] if rest else DATE}</pubDate>"
                   f"<description>{d}</description></item>" for g, link, t, d, *rest in items)
    path.write_text(f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
                    f"<link>http://x/</link><description>d</description>{body}</channel></rss>", "utf-8")


def run(annotator, tmp_path, *feeds, out="o", max_chars=200_000):
    sink = StoreSink(tmp_path / "news.db", print)
    try:
        return run_feeds(annotator, [str(f) for f in feeds], tmp_path / out, fetch_pages=False, after_write=sink,
                         max_chars=max_chars)
    finally:
        sink.close()


def keys(tmp_path) -> list[str]:
    with Store.open(tmp_path / "news.db") as s:
        return sorted(k for (k,) in s.db.execute("SELECT key FROM documents"))


A, B = ARTICLES[0], ARTICLES[1]


def test_one_article_in_two_feeds_is_one_item_and_never_flips(annotator, tmp_path, run_cli):
    """The same guid in two feeds whose summaries differ: it was annotated on every run, each feed's
    version replacing the other's; and the same link (less tracking parameters) and title under
    two guids was two documents."""
    fa, fb = tmp_path / "a.xml", tmp_path / "b.xml"
    write_feed(fa, [("g1", "http://x/a.html", A["title"], A["text"][:150]),
                    ("h1", "http://x/b.html?utm_source=rss#top", B["title"], B["text"][:150])])
    write_feed(fb, [("g1", "http://x/a.html", A["title"], A["text"][:250]),
                    ("h2", "http://X/b.html?utm_medium=tw&fbclid=1", B["title"], B["text"][:250])])
    first = run(annotator, tmp_path, fa, fb)
    assert (len(first.written), first.items_new) == (2, 2)
    for _ in range(2):
        again = run(annotator, tmp_path, fa, fb)
        assert (again.written, again.items_updated, again.items_seen) == ([], 0, 2)
    assert first.items_duplicate == 2
    again = run(annotator, tmp_path, fb)  # the owner (a.xml) is not in this run: still its item
    assert again.written == [] and again.items_duplicate == 2
    assert keys(tmp_path) == ["item:g1", "item:h1"]
    assert sorted(p.name for p in (tmp_path / "o").glob("*.json")) == sorted(first.written)
    code, out, _ = run_cli("index", tmp_path / "o", "--db", tmp_path / "news.db")
    assert code == 0 and (json.loads(out)["added"], json.loads(out)["unchanged"]) == (0, 2)


def test_an_item_whose_guid_changes_is_the_same_item(annotator, tmp_path):
    f = tmp_path / "f.xml"
    write_feed(f, [("g1", "http://x/a.html", A["title"], A["text"][:150])])
    assert run(annotator, tmp_path, f).items_new == 1
    write_feed(f, [("g2", "http://x/a.html?utm_campaign=x", A["title"], A["text"][:150])])
    again = run(annotator, tmp_path, f)  # the CMS moved: a new guid, the same link and title
    assert again.items_new == 0 and len(again.written) == 1  # (its link changed: done again, in place)
    write_feed(f, [("g2", "http://x/a.html?utm_campaign=x", A["title"], A["text"][:300])])
    edited = run(annotator, tmp_path, f)
    assert (edited.items_updated, edited.items_new) == (1, 0)  # an edit replaces it
    assert keys(tmp_path) == ["item:g1"] and len(list((tmp_path / "o").glob("*.json"))) == 1
    with Store.open(tmp_path / "news.db") as s:
        (text,) = s.db.execute("SELECT text FROM documents").fetchone()
    assert A["text"][:300].rstrip() in text


def test_items_of_one_feed_that_share_a_link_are_not_merged(annotator, tmp_path):
    """A ticker: entries that all link to one page are items of their own, while the feed lists
    them (also two with one title)."""
    f = tmp_path / "f.xml"
    write_feed(f, [("t1", "http://x/live", "מבזק", A["text"][:120]), ("t2", "http://x/live", "מבזק", B["text"][:120]),
                   ("t3", "http://x/live", "עדכון", ARTICLES[2]["text"][:120])])
    assert run(annotator, tmp_path, f).items_new == 3
    assert keys(tmp_path) == ["item:t1", "item:t2", "item:t3"]


def test_url_key_and_ident():
    assert url_key("HTTPS://Example.CO.IL/a/b.html?id=5&utm_source=rss&fbclid=x#comments") == \
        "https://example.co.il/a/b.html?id=5"
    assert url_key("http://x") == "http://x/" and url_key("mailto:a@b") == "mailto:a@b"
    assert item_ident("http://x/a?gclid=1", " כותרת  אחת") == item_ident("http://x/a", "כותרת אחת")
    assert item_ident("http://x/a", "כותרת") != item_ident("http://x/a?id=2", "כותרת")
    assert item_ident(None, "כותרת") is None


def _three_items_g1_failing(tmp_path, monkeypatch, error: Exception):
    """A feed of three items (g0, g1, g2) and its feed --db command; the store's add raises
    ``error`` for g1. Returns (command, the real Store.add)."""
    f = tmp_path / "f.xml"
    write_feed(f, [(f"g{i}", f"http://x/{i}.html", ARTICLES[i]["title"], ARTICLES[i]["text"][:150])
                   for i in range(3)])
    real_add = Store.add

    def failing(self, data, *a, **k):
        if data["meta"]["item_id"] == "g1":
            raise error
        return real_add(self, data, *a, **k)

    monkeypatch.setattr(Store, "add", failing)
    return ["feed", f, "-o", tmp_path / "o", "--no-pages", "--db", tmp_path / "news.db"], real_add


def test_an_item_the_store_did_not_take_is_not_done(cli, tmp_path, monkeypatch):
    """A store whose disk fills up: the item was recorded as done though it was not in the store,
    and the next run never indexed it; one line per item followed, exit 1."""
    cmd, real_add = _three_items_g1_failing(tmp_path, monkeypatch, sqlite3.OperationalError("database or disk is full"))
    r = cli(*cmd)
    err = r.stderr.decode().strip().splitlines()
    assert r.returncode == 5 and len(err) == 1 and "disk is full" in err[0] and "the run stops" in err[0], err
    assert json.loads(r.stdout.decode().splitlines()[-1])["store_failed"] is True
    state = State(tmp_path / "o" / ".hebnews-feeds.sqlite")
    assert [k for k in ("g0", "g1", "g2") if state.item(k)] == ["g0"]
    state.close()
    monkeypatch.setattr(Store, "add", real_add)
    r = cli(*cmd)
    assert r.returncode == 0, r.stderr
    assert keys(tmp_path) == ["item:g0", "item:g1", "item:g2"]
    assert json.loads(cli(*cmd).stdout.decode().splitlines()[-1])["written"] == 0


def test_a_document_the_store_can_never_hold_does_not_stop_every_later_run(cli, tmp_path, monkeypatch):
    """Odd values (a number SQLite cannot hold) fail the same way on every run: the item is
    reported and done, the run goes on (exit 1), and the next run is not stopped at it again."""
    cmd, _ = _three_items_g1_failing(tmp_path, monkeypatch, OverflowError("Python int too large to convert to SQLite INTEGER"))
    r = cli(*cmd)
    err = r.stderr.decode().strip().splitlines()
    assert r.returncode == 1 and len(err) == 1 and "too large" in err[0] and "the run goes on" in err[0], err
    stats = json.loads(r.stdout.decode().splitlines()[-1])
    assert stats["store_failed"] is False and stats["written"] == 3
    state = State(tmp_path / "o" / ".hebnews-feeds.sqlite")
    assert all(state.item(k) for k in ("g0", "g1", "g2"))
    state.close()
    assert keys(tmp_path) == ["item:g0", "item:g2"]
    r = cli(*cmd)  # the next run: nothing new, not stuck at g1
    assert r.returncode == 0 and json.loads(r.stdout.decode().splitlines()[-1])["written"] == 0, r.stderr


def test_a_run_that_finds_the_lock_held_exits_before_loading_the_model(cli, tmp_path, monkeypatch):
    from hebnews.annotator import Annotator

    def no_load(*a, **k):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(Annotator, "load", classmethod(no_load))
    state = tmp_path / "state.sqlite"
    with run_lock(lock_path(state)):
        r = cli("feed", tmp_path / "nofeed.xml", "-o", tmp_path / "o", "--state", state, "--db", tmp_path / "n.db")
    assert r.returncode == 0 and b"holds the lock" in r.stderr and r.stdout == b""


def test_a_year_written_in_full_is_not_read_as_a_two_digit_one():
    assert parse_day("Mon, 01 Jan 0000 00:00:00 GMT") is None  # was 2000-01-01
    assert parse_day("Sat, 01 Jan 0099 00:00:00 GMT") is None  # was 2099-01-01
    assert parse_day("Fri, 15 Aug 25 10:00:00 +0300") == "2025-08-15"  # two digits: RFC 2822's rule
    assert parse_day("Fri, 31 Dec 9999 23:59:59 GMT") == "9999-12-31"


def test_hostile_item_meta_then_the_questions_agree_with_the_outputs(annotator, tmp_path, run_cli):
    f = tmp_path / "h.xml"
    write_feed(f, [("a&#0;b\t", "http://x/n.html", "nul guid", A["text"][:200]),
                   ("../../x", "http://x/p.html", "path guid", A["text"][:200], "Mon, 01 Jan 0000 00:00:00 GMT"),
                   ("y9999", "http://x/y.html", "year 9999", B["text"][:200], "Fri, 31 Dec 9999 23:59:59 GMT"),
                   ("big", "http://x/big.html", "כותרת ענקית " * 90_000, B["text"][:200])])
    stats = run(annotator, tmp_path, f, max_chars=1000)  # (the 1 MB title is cut from the text)
    assert (stats.items_new, stats.items_truncated, stats.failed) == (4, 1, False)
    out = tmp_path / "o"
    assert sorted(p.parent for p in out.rglob("*.json")) == [out] * 4  # ../../x is no path
    docs = [json.loads(p.read_text("utf-8")) for p in out.glob("*.json")]
    assert sorted(d["meta"]["item_id"] for d in docs) == ["../../x", "ab", "big", "y9999"]
    with Store.open(tmp_path / "news.db") as s:
        days = dict(s.db.execute("SELECT key, day FROM documents"))
    assert days["item:y9999"] == "9999-12-31" and days["item:../../x"] != "2000-01-01"
    code, lines, _ = run_cli("quotes", "--db", tmp_path / "news.db", "--format", "jsonl")
    assert code == 0 and len(lines.splitlines()) == sum(len(d["quotes"]) for d in docs)
    code, lines, _ = run_cli("entities", "--db", tmp_path / "news.db", "--format", "jsonl", "--top", "1000")
    assert code == 0 and sum(json.loads(x)["mentions"] for x in lines.splitlines()) == \
        sum(len(d["entities"]) for d in docs)
    code, said, _ = run_cli("report", "--db", tmp_path / "news.db", "-o", tmp_path / "r.html")
    assert code == 0 and "4 articles" in said


@pytest.fixture
def run_cli(run):
    return run
