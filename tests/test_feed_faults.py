"""Hostile servers and odd feeds (issue: hardening). A loopback site (tests/feedsite.py) serves
fixture articles and crafted faults; nothing here needs ../shared."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from hebnews.feeds import PAGE_TRIES, run_feeds
from hebnews.fetch import FetchError, Limits, fetch
from hebnews.pages import cap_text, decode_page

from .conftest import ROOT
from .feedsite import ARTICLES, Site, atom, closed_port, drip, gzipped, huge, page, redirect, rss, static


@pytest.fixture()
def site():
    with Site() as s:
        yield s


def _items(site, *links):
    return [(ARTICLES[i % len(ARTICLES)]["title"], link, ARTICLES[i % len(ARTICLES)]["text"][:120])
            for i, link in enumerate(links)]


def _good_pages(site, *links):
    for i, link in enumerate(links):
        a = ARTICLES[i % len(ARTICLES)]
        site.routes[link] = static(page(a["title"], a["text"]))


# ----------------------------------------------------------------------------- fetch

def test_byte_cap_while_streaming(site):
    site.routes["/declared"] = huge(50 * 2**20, declare_length=True)
    site.routes["/chunked"] = huge(50 * 2**20, declare_length=False)
    for path in ("/declared", "/chunked"):
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="1,000,000-byte limit"):
            fetch(site.base + path, Limits(timeout=20, max_bytes=1_000_000, retries=0))
        assert time.monotonic() - t0 < 5


def test_timeout_is_a_deadline_for_the_whole_request(site):
    site.routes["/drip"] = drip(page("x", ARTICLES[0]["text"]), interval=0.2)
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(site.base + "/drip", Limits(timeout=1.5, retries=2))
    assert time.monotonic() - t0 < 2.5  # not retried, not 0.2 s per byte


def test_redirects_stay_on_http(site):
    site.routes["/to-ftp"] = redirect("ftp://127.0.0.1/feed.xml")
    site.routes["/to-file"] = redirect("file:///etc/passwd")
    site.routes["/hop"] = redirect("/ok")
    site.routes["/ok"] = static("<rss/>", "application/rss+xml")
    for path in ("/to-ftp", "/to-file"):
        with pytest.raises(FetchError, match="only http and https"):
            fetch(site.base + path, Limits(retries=0))
    got = fetch(site.base + "/hop", Limits(retries=0))
    assert got.body == b"<rss/>" and got.url == site.base + "/ok"
    site.routes["/loop"] = redirect("/loop")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(site.base + "/loop", Limits(retries=0))
    for url in ("ftp://127.0.0.1/x", "file:///etc/passwd"):
        with pytest.raises(FetchError, match="only http and https"):
            fetch(url)


def test_gzip_bodies_are_decoded_and_bombs_capped(site):
    feed = rss(site.base, _items(site, "/a")).encode("utf-8")
    site.routes["/enc.xml"] = gzipped(feed)
    site.routes["/file.xml.gz"] = gzipped(feed, "application/gzip", encoding_header=False)
    assert fetch(site.base + "/enc.xml", Limits(retries=0)).body == feed
    assert fetch(site.base + "/file.xml.gz", Limits(retries=0)).body == feed
    site.routes["/bomb"] = gzipped(b"\0" * (40 * 2**20), "text/html")  # 40 MB in ~40 KB
    with pytest.raises(FetchError, match="1,000,000-byte limit"):
        fetch(site.base + "/bomb", Limits(max_bytes=1_000_000, retries=0))


def test_attempts_are_counted_honestly(site):
    site.routes["/500"] = static("oops", status=500)
    with pytest.raises(FetchError) as e404:
        fetch(site.base + "/missing", Limits(retries=2, backoff=0.01))
    assert str(e404.value).endswith("HTTP 404 Not Found") and site.hits["/missing"] == 1
    with pytest.raises(FetchError, match=r"HTTP 500 .*\(after 3 attempts\)$"):
        fetch(site.base + "/500", Limits(retries=2, backoff=0.01))
    assert site.hits["/500"] == 3
    with pytest.raises(FetchError, match="after 2 attempts"):
        fetch(f"http://127.0.0.1:{closed_port()}/x", Limits(retries=1, backoff=0.01))


# ----------------------------------------------------------------------------- decoding

HEB = ARTICLES[2]["text"]


def test_page_charset_header_then_bom_then_meta_then_detection():
    cp = page("כותרת", HEB, charset_meta="windows-1255").encode("cp1255")
    assert decode_page(cp, "text/html", "u")[1] == "cp1255"  # meta only
    assert HEB[:40] in decode_page(cp, "text/html", "u")[0]
    assert decode_page(cp, "text/html; charset=windows-1255", "u")[1] == "cp1255"
    plain = page("כותרת", HEB).encode("iso-8859-8")  # nothing declared: detected
    text, enc = decode_page(plain, "text/html", "u")
    assert HEB[:40] in text and enc in ("iso-8859-8", "windows-1255")
    bom = b"\xef\xbb\xbf" + page("כותרת", HEB, charset_meta="windows-1255").encode("utf-8")
    assert decode_page(bom, "text/html", "u") == (page("כותרת", HEB, charset_meta="windows-1255"), "utf-8")
    assert decode_page(cp, "text/html; charset=iso-8859-8-i", "u")[1] == "iso8859-8"


def test_windows_1255_feed_and_page_declared_only_in_meta(site, annotator, tmp_path):
    a = ARTICLES[2]
    site.routes["/feed.xml"] = static(rss(site.base, [(a["title"], "/old.html", a["text"][:80])],
                                          encoding="windows-1255", cdata=True).encode("cp1255"),
                                      "application/rss+xml")  # no charset in the header
    site.routes["/old.html"] = static(page(a["title"], a["text"], charset_meta="windows-1255").encode("cp1255"),
                                      "text/html")
    stats = run_feeds(annotator, [site.base + "/feed.xml"], tmp_path / "o", retries=0)
    assert stats.written and not stats.failed
    doc = json.loads((tmp_path / "o" / stats.written[0]).read_text("utf-8"))
    assert doc["meta"]["extracted_from"] == "page"
    assert doc["meta"]["title"] == a["title"]
    assert a["text"].split(". ")[0] in doc["text"] and "\ufffd" not in doc["text"]


def test_garbage_decoding_is_a_failed_item_not_a_document(site, annotator, tmp_path):
    a = ARTICLES[1]
    # declared UTF-8 but served in windows-1255: mostly U+FFFD; the feed's text is garbage too
    bad = page(a["title"], a["text"]).encode("cp1255")
    site.routes["/liar.html"] = static(bad, "text/html; charset=utf-8")
    feed = rss(site.base, [("\ufffd" * 20, "/liar.html", "\ufffd" * 200)])
    site.routes["/f.xml"] = static(feed, "application/rss+xml")
    stats = run_feeds(annotator, [site.base + "/f.xml"], tmp_path / "o", retries=0)
    assert stats.written == [] and stats.items_failed == 1 and stats.pages_failed == 1 and stats.failed


# ----------------------------------------------------------------------------- feed runs

def test_failed_page_is_retried_on_later_runs_then_given_up(site, annotator, tmp_path):
    site.routes["/f.xml"] = static(rss(site.base, _items(site, "/p.html")), "application/rss+xml")
    site.routes["/p.html"] = static("busy", status=503)
    out = tmp_path / "o"
    s1 = run_feeds(annotator, [site.base + "/f.xml"], out, retries=0)
    assert (s1.items_new, s1.pages_failed, s1.failed) == (1, 1, True)
    (name,) = s1.written
    assert json.loads((out / name).read_text("utf-8"))["meta"]["extracted_from"] == "feed"
    s2 = run_feeds(annotator, [site.base + "/f.xml"], out, retries=0)  # still failing: retried
    assert (s2.pages_retried, s2.pages_failed, s2.written) == (1, 1, [])
    assert site.hits["/p.html"] == 2
    _good_pages(site, "/p.html")  # the page is back: annotated again, from the page
    s3 = run_feeds(annotator, [site.base + "/f.xml"], out, retries=0)
    assert (s3.written, s3.items_updated, s3.failed) == ([name], 1, False)
    assert json.loads((out / name).read_text("utf-8"))["meta"]["extracted_from"] == "page"
    s4 = run_feeds(annotator, [site.base + "/f.xml"], out, retries=0)
    assert (s4.pages_retried, s4.written) == (0, []) and site.hits["/p.html"] == 3

    # a page that never comes back is fetched in PAGE_TRIES runs, then left alone
    site.routes["/g.xml"] = static(rss(site.base, _items(site, "/gone.html")), "application/rss+xml")
    for _ in range(PAGE_TRIES + 2):
        run_feeds(annotator, [site.base + "/g.xml"], out, retries=0)
    assert site.hits["/gone.html"] == PAGE_TRIES


def test_published_is_iso_8601_for_rss_and_atom(site, annotator, tmp_path):
    site.routes["/r.xml"] = static(rss(site.base, _items(site, "/r1")), "application/rss+xml")
    site.routes["/a.xml"] = static(atom(site.base, _items(site, "/a1")), "application/atom+xml")
    stats = run_feeds(annotator, [site.base + "/r.xml", site.base + "/a.xml"], tmp_path / "o",
                      fetch_pages=False)
    published = sorted(json.loads((tmp_path / "o" / n).read_text("utf-8"))["meta"]["published"]
                       for n in stats.written)
    assert published == ["2023-11-14T22:13:20Z", "2025-08-10T07:00:00Z"]


def test_long_article_is_cut_at_a_sentence_boundary(site, annotator, tmp_path):
    long_text = " ".join(a["text"] for a in ARTICLES) * 3
    site.routes["/f.xml"] = static(rss(site.base, [("ארוך", "/long", long_text)]), "application/rss+xml")
    stats = run_feeds(annotator, [site.base + "/f.xml"], tmp_path / "o", fetch_pages=False, max_chars=1000)
    doc = json.loads((tmp_path / "o" / stats.written[0]).read_text("utf-8"))
    cut = doc["meta"]["truncated"]
    assert stats.items_truncated == 1 and len(doc["text"]) == cut["truncated_at"] <= 1000
    assert cut["original_chars"] == len("ארוך\n" + long_text)
    assert doc["text"].endswith((".", '"')) and doc["text"] == ("ארוך\n" + long_text)[:len(doc["text"])]


def test_cap_text():
    text = "משפט ראשון. משפט שני ארוך יותר. משפט שלישי."
    assert cap_text(text, 100) == (text, None)
    assert cap_text(text, 35)[0] == "משפט ראשון. משפט שני ארוך יותר."
    assert cap_text("מילה " * 20, 23) == ("מילה מילה מילה מילה", {"truncated_at": 19, "original_chars": 100})


def test_file_and_ftp_feed_urls_are_refused(annotator, tmp_path):
    stats = run_feeds(annotator, ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml"], tmp_path / "o")
    assert stats.feeds_failed == 2


def _rss_of_local_feed(tmp_path, n=2):
    feed = tmp_path / "local.xml"
    feed.write_text(rss("http://127.0.0.1:9", _items(None, *[f"/x{i}" for i in range(n)])), encoding="utf-8")
    return feed


def test_quiet_keeps_the_counts_line(annotator, tmp_path, capsys, caplog, monkeypatch):
    from hebnews import annotator as annotator_module
    from hebnews.cli import main

    monkeypatch.setattr(annotator_module.Annotator, "load", classmethod(lambda cls, *a, **k: annotator))
    feed = _rss_of_local_feed(tmp_path)
    assert main(["feed", str(feed), "-o", str(tmp_path / "o"), "--no-pages", "-q"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out.strip())["written"] == 2 and out.err == ""
    caplog.clear()
    assert main(["feed", "ftp://x/feed.xml", "-o", str(tmp_path / "o"), "-q"]) == 1
    assert json.loads(capsys.readouterr().out.strip())["feeds_failed"] == 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "only http and https" in errors[0]


def test_state_file_that_cannot_be_used_is_one_line_and_exit_5(annotator, tmp_path, cli):
    """A state file that is no SQLite database, and one whose disk fills up at a commit: one line
    naming the state file, exit 5, no traceback."""
    from hebnews.feedstate import State, StateError

    feed = _rss_of_local_feed(tmp_path)
    bad = tmp_path / "state.sqlite"
    bad.write_bytes(b"this is no database\n" * 100)
    r = cli("feed", str(feed), "-o", str(tmp_path / "o"), "--no-pages", "--state", str(bad))
    err = r.stderr.decode().strip().splitlines()
    assert r.returncode == 5 and len(err) == 1 and str(bad) in err[0] and "not a database" in err[0], err

    class FullDisk:  # the connection of a state whose disk is full: commits fail like SQLite's
        def __init__(self, db):
            self.db = db

        def execute(self, *a):
            return self.db.execute(*a)

        def commit(self):
            raise sqlite3.OperationalError("disk I/O error")

    state = State(tmp_path / "ok.sqlite")
    state.db = FullDisk(state.db)
    with pytest.raises(StateError) as exc:
        state.save_item("k", "f", None, "h", "out.json")
    assert exc.value.filename == str(tmp_path / "ok.sqlite") and "disk I/O error" in exc.value.strerror


# python -c PEAK_RSS ARGS runs `python -m hebnews.cli ARGS` and writes its peak RSS (VmHWM, kB)
# to $HEBNEWS_TEST_VMHWM when it exits
PEAK_RSS = """import atexit, os, runpy
def _peak():
    with open('/proc/self/status') as f, open(os.environ['HEBNEWS_TEST_VMHWM'], 'w') as out:
        out.write(next(ln for ln in f if ln.startswith('VmHWM:')).split()[1])
atexit.register(_peak)
runpy.run_module('hebnews.cli', run_name='__main__', alter_sys=True)
"""


def test_hostile_feed_run_end_to_end(site, tmp_path):
    """One feed whose items link to a 50 MB page, a one-byte-per-second page, a redirect to ftp,
    a closed port and two good pages, --timeout 5: done in under 60 s with peak RSS under
    1.5 GB, both good items written from their pages, exit 1, one error line per bad item."""
    port = closed_port()
    links = ["/big.html", "/drip.html", "/ftp.html", f"http://127.0.0.1:{port}/x.html", "/good1.html", "/good2.html"]
    site.routes["/big.html"] = huge(50 * 2**20, declare_length=False)
    site.routes["/drip.html"] = drip(page("x", ARTICLES[0]["text"]), interval=1.0, limit_s=60)
    site.routes["/ftp.html"] = redirect("ftp://127.0.0.1/x.html")
    _good_pages(site, "/good1.html", "/good2.html")
    items = [(ARTICLES[i % 5]["title"], l if l.startswith("http") else l, ARTICLES[i % 5]["text"][:100])
             for i, l in enumerate(links)]
    feed = rss(site.base, items).replace(f"{site.base}http://", "http://")
    site.routes["/feed.xml"] = static(feed, "application/rss+xml")
    t0 = time.monotonic()
    # the run's own peak RSS, from its /proc/self/status at exit: getrusage/wait4 ru_maxrss is kept
    # across fork and exec, so a child of this (large) test process reports at least its size
    hwm = tmp_path / "vmhwm"
    r = subprocess.run([sys.executable, "-c", PEAK_RSS, "feed", site.base + "/feed.xml", "-o", str(tmp_path / "o"),
                        "--timeout", "5"], cwd=ROOT, capture_output=True, timeout=300,
                       env={**os.environ, "HEBNEWS_TEST_VMHWM": str(hwm)})
    took = time.monotonic() - t0
    rss_mb = int(hwm.read_text()) / 1024
    assert r.returncode == 1, r.stderr.decode()[-2000:]
    assert took < 60 and rss_mb < 1536, (took, rss_mb)
    errors = r.stderr.decode().strip().splitlines()
    assert len(errors) == 4, errors
    for link, word in zip(links[:4], ("byte limit", "timed out", "only http and https", "network error")):
        assert any(link.split("/")[-1] in e and word in e for e in errors), (link, errors)
    counts = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert counts["written"] == 6 and counts["pages_failed"] == 4  # bad pages fall back to the feed
    docs = [json.loads(p.read_text("utf-8")) for p in (tmp_path / "o").glob("*.json")]
    by_url = {d["meta"]["url"]: d["meta"]["extracted_from"] for d in docs}
    assert by_url[site.base + "/good1.html"] == by_url[site.base + "/good2.html"] == "page"


def test_sigterm_is_honoured_inside_a_long_article(tmp_path):
    """SIGTERM while the encoder reads one long article: the run stops between encoder batches
    (exit 143) instead of finishing the article; the next run does it."""
    long_text = " ".join(a["text"] for a in ARTICLES) * 50  # ~90k characters: seconds of encoder work
    feed = tmp_path / "f.xml"
    feed.write_text(rss("http://127.0.0.1:9", [("ארוך", "/long", long_text)]), encoding="utf-8")
    cmd = [sys.executable, "-m", "hebnews.cli", "feed", str(feed), "-o", str(tmp_path / "o"), "--no-pages", "-v",
           "--max-chars", "1000000"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120
    for line in proc.stderr:  # the feed is read: the article is in the encoder within a second
        if b"1 new" in line or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    assert time.monotonic() - t0 < 10
    assert json.loads(out.decode().strip().splitlines()[-1])["written"] == 0
    assert not list((tmp_path / "o").glob("*.json"))
