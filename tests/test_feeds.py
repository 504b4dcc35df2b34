"""Feed runs against a real HTTP server on 127.0.0.1, serving feeds and article pages built from
the fixture articles: 304s, a 500, a timeout, a malformed feed, a page without text."""
import json
import subprocess
import sys
import time

import pytest

from hebnews.document import validate
from hebnews.feeds import LockHeld, run_feeds, run_lock
from hebnews.pages import html_to_text

from .conftest import ROOT, assert_offsets
from .feedsite import ARTICLES, Site, atom, page, rss, static


@pytest.fixture()
def site():
    with Site() as s:
        yield s


@pytest.fixture(scope="module")
def paragraphs():
    """Five short Hebrew news articles (tests/fixtures/feeds): no ../shared needed."""
    return [{"title": a["title"], "context": a["text"]} for a in ARTICLES]


def build(site, paragraphs):
    b = site.base
    p = paragraphs
    rss_items = [(p[0]["title"], "/a/1.html", p[0]["context"][:200]),
                 (p[1]["title"], "/a/2.html", p[1]["context"][:200]),
                 (p[2]["title"], "/a/empty.html", p[2]["context"])]
    atom_items = [(p[3]["title"], "/a/3.html", p[3]["context"][:200]),
                  (p[4]["title"], "/a/missing.html", p[4]["context"])]
    site.routes = {
        "/rss.xml": static(rss(b, rss_items), "application/rss+xml", etag='"rss-v1"'),
        "/atom.xml": static(atom(b, atom_items), "application/atom+xml", etag='"atom-v1"'),
        "/broken.xml": static("oops", "text/plain", status=500),
        "/slow.xml": static(rss(b, rss_items), "application/rss+xml", delay=3),
        "/malformed.xml": static("<html><body>not a feed at all</body></html>", "text/html"),
        "/a/1.html": static(page(p[0]["title"], p[0]["context"])),
        "/a/2.html": static(page(p[1]["title"], p[1]["context"])),
        "/a/3.html": static(page(p[3]["title"], p[3]["context"])),
        "/a/empty.html": static("<html><body><nav>ראשי</nav></body></html>"),
    }
    return rss_items, atom_items


def test_feed_runs(site, paragraphs, annotator, tmp_path):
    rss_items, atom_items = build(site, paragraphs)
    b = site.base
    sources = [f"{b}/rss.xml", f"{b}/atom.xml", f"{b}/broken.xml", f"{b}/slow.xml", f"{b}/malformed.xml"]
    out = tmp_path / "out"
    stats = run_feeds(annotator, sources, out, timeout=1.0, retries=1)
    assert (stats.feeds_ok, stats.feeds_failed) == (2, 3)
    assert stats.items_new == 5 and stats.failed
    assert site.hits["/broken.xml"] == 2  # one retry, bounded
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
    assert len(docs) == 5
    by_url = {d["meta"]["url"]: d for d in docs}
    for d in docs:
        validate(d)
        assert_offsets(d)
        m = d["meta"]
        assert m["title"] and m["published"] and m["feed"]["url"] in sources and m["feed"]["title"]
    # pages with text are extracted, the rest falls back to the feed's content
    assert by_url[f"{b}/a/1.html"]["meta"]["extracted_from"] == "page"
    assert paragraphs[0]["context"].split(". ")[0] in by_url[f"{b}/a/1.html"]["text"]
    assert by_url[f"{b}/a/empty.html"]["meta"]["extracted_from"] == "feed"
    assert by_url[f"{b}/a/missing.html"]["meta"]["extracted_from"] == "feed"
    assert paragraphs[4]["context"][:100] in by_url[f"{b}/a/missing.html"]["text"]
    assert any(d["entities"] for d in docs)

    # second run over unchanged feeds: two 304s, nothing written, no article page fetched
    pages_before = {k: v for k, v in site.hits.items() if k.startswith("/a/")}
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    stats2 = run_feeds(annotator, sources[:2], out, timeout=1.0, retries=0)
    assert stats2.feeds_unchanged == 2 and stats2.written == [] and stats2.pages_fetched == 0
    assert {k: v for k, v in site.hits.items() if k.startswith("/a/")} == pages_before
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == mtimes

    # an edited item: the feed changes, only that item is fetched and annotated again
    rss_items[1] = (rss_items[1][0] + " (עודכן)", rss_items[1][1], rss_items[1][2] + " עדכון.")
    site.routes["/rss.xml"] = static(rss(b, rss_items), "application/rss+xml", etag='"rss-v2"')
    stats3 = run_feeds(annotator, sources[:2], out, timeout=1.0, retries=0)
    assert (stats3.items_updated, stats3.items_new, stats3.items_seen) == (1, 0, 2)
    assert site.hits["/a/2.html"] == pages_before["/a/2.html"] + 1
    assert site.hits["/a/1.html"] == pages_before["/a/1.html"]
    assert len(list(out.glob("*.json"))) == 5


def test_overlapping_runs_are_locked_out(annotator, tmp_path):
    state = tmp_path / "out" / ".hebnews-feeds.sqlite"
    with run_lock(state.with_name(state.name + ".lock")):
        with pytest.raises(LockHeld):
            run_feeds(annotator, [], tmp_path / "out", state)


def test_feed_cli_and_local_files(paragraphs, tmp_path, cli):
    feed = tmp_path / "local.xml"
    feed.write_text(rss("http://127.0.0.1:9", [(paragraphs[0]["title"], "/x.html", paragraphs[0]["context"])]),
                    encoding="utf-8")
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"# our feeds\n{feed}\n{tmp_path / 'nope.xml'}\n", encoding="utf-8")
    cmd = ["feed", str(listing), "-o", str(tmp_path / "o"), "--no-pages"]
    r = cli(*cmd)
    assert r.returncode == 1  # one listed feed does not exist
    counts = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert counts["written"] == 1 and counts["feeds_failed"] == 1
    assert b"nope.xml: cannot read" in r.stderr
    r = cli(*cmd)
    assert json.loads(r.stdout.decode().strip().splitlines()[-1])["written"] == 0


def test_html_to_text():
    assert html_to_text("<p>שלום &amp; <b>עולם</b></p><p>שורה</p>") == "שלום & עולם\nשורה"


def test_feed_run_killed_then_rerun(paragraphs, tmp_path, cli):
    """kill -9 in the middle of a feed run, then the same run stopped by SIGTERM, then a rerun:
    every item has exactly one valid output, the state knows all of them, and a last run writes
    nothing. (The second run resumes the first, so each signal meets a run with finished items.)"""
    import signal as _signal

    n = 20  # short items: many outputs written one after another, little to annotate
    items = [(f"{paragraphs[i % 5]['title']} #{i}", f"/item/{i}.html", paragraphs[i % 5]["context"][:400])
             for i in range(n)]
    feed = tmp_path / "big.xml"
    feed.write_text(rss("http://127.0.0.1:9", items), encoding="utf-8")
    out = tmp_path / "o"
    # one sentence per encoder call: every item is its own batch, so outputs land one by one and a
    # signal sent after the first one always meets a run with items left (no race with a burst)
    cmd = [sys.executable, "-m", "hebnews.cli", "feed", str(feed), "-o", str(out), "--no-pages",
           "--batch-sentences", "1", "-q"]
    done = 0
    for sig in (_signal.SIGKILL, _signal.SIGTERM):
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE)
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None and len(list(out.glob("*.json"))) < done + 1:
            time.sleep(0.002)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=240)
        now = len(list(out.glob("*.json")))
        assert done < now <= n, (sig, done, now, err[-500:])
        if sig == _signal.SIGTERM and proc.returncode != 128 + sig:  # it had written every item first
            assert now == n and proc.returncode in (0, -sig), (proc.returncode, err[-500:])
        elif sig == _signal.SIGTERM:
            assert b"the next run goes on" in err
        done = now
    r = cli(*cmd[3:-1])  # the reruns need no signal: in process
    assert r.returncode == 0, r.stderr[-2000:]
    outs = list(out.glob("*.json"))
    assert len(outs) == n
    for p in outs:
        validate(json.loads(p.read_text(encoding="utf-8")))
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.suffix == ".tmp"]
    r = cli(*cmd[3:-1])
    assert json.loads(r.stdout.decode().strip().splitlines()[-1])["written"] == 0


def test_feed_run_on_a_full_disk(paragraphs, tmp_path):
    import resource

    def text(i):  # small items and one whose JSON (about 16 bytes a character) cannot fit
        t = paragraphs[i % 5]["context"]
        return t * (8_000 // len(t) + 1) if i == 2 else t

    items = [(f"כותרת {i}", f"/i/{i}.html", text(i)) for i in range(5)]
    feed = tmp_path / "f.xml"
    feed.write_text(rss("http://127.0.0.1:9", items), encoding="utf-8")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    r = subprocess.run([sys.executable, "-m", "hebnews.cli", "feed", str(feed), "-o", str(tmp_path / "o"),
                        "--no-pages", "--state", str(tmp_path / "state.sqlite")],
                       cwd=ROOT, capture_output=True, timeout=300, preexec_fn=limit)
    assert r.returncode == 5, r.stderr[-2000:]
    assert len(r.stderr.decode().strip().splitlines()) == 1 and b"File too large" in r.stderr
    for p in (tmp_path / "o").glob("*.json"):
        validate(json.loads(p.read_text(encoding="utf-8")))
