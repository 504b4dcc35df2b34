"""Scheduled runs over RSS/Atom feeds: fetch, extract, annotate what is new, remember it.

    hebnews feed https://example.co.il/rss.xml feeds.txt -o out/ [--state out/state.sqlite]

* Feeds are fetched with conditional GET (ETag / Last-Modified): an unchanged feed costs one
  304. Feeds may also be local files (or ``-`` lists of URLs, one per line, in a ``.txt``).
* Each new item's page is fetched and its main text extracted with trafilatura (title, author,
  date, text); when the page fails or has no text, the feed's own content is used.
* A SQLite state file remembers every item (id/link + content hash): a second run does nothing
  new and fetches no page; an item whose feed content changed is fetched and annotated again.
* Safe under cron: a lock file so two runs never overlap (the second exits at once), timeouts
  and bounded retries on the network, one broken feed or page never stops the others, outputs
  written atomically, state updated only after the output is on disk.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import html as htmllib
import json
import logging
import re
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import __version__
from .writers import atomic_write_text, render

log = logging.getLogger(__name__)
USER_AGENT = f"hebnews/{__version__} (+feed annotation)"


class FeedError(RuntimeError):
    """A feed that cannot be fetched or parsed (one line, names the feed)."""


class LockHeld(RuntimeError):
    """Another run holds the lock."""


@dataclass
class Fetched:
    status: int  # 200, or 304 (not modified)
    body: bytes = b""
    etag: str | None = None
    modified: str | None = None
    url: str = ""


@dataclass
class FeedStats:
    feeds_ok: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    items_new: int = 0
    items_updated: int = 0
    items_seen: int = 0
    items_failed: int = 0
    pages_fetched: int = 0
    page_fallbacks: int = 0
    stopped_by: int | None = None  # SIGTERM/SIGINT: the items in progress were finished first
    written: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.feeds_failed or self.items_failed)


# ----------------------------------------------------------------------------- network

def fetch(url: str, timeout: float, retries: int, etag: str | None = None,
          modified: str | None = None, backoff: float = 0.5) -> Fetched:
    """GET with conditional headers, a timeout and bounded retries (network errors, 5xx, 429)."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            req = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Fetched(resp.status, resp.read(), resp.headers.get("ETag"),
                               resp.headers.get("Last-Modified"), resp.geturl())
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Fetched(304, url=url, etag=etag, modified=modified)
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500 and exc.code != 429:
                break  # 404, 403 ...: retrying will not help
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last = "timed out" if "timed out" in str(reason) else f"network error: {reason}"
    raise FeedError(f"{url}: {last} (after {retries + 1} attempts)")


def is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


# ----------------------------------------------------------------------------- extraction

_TAGS = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|blockquote|tr)\b[^>]*>", re.I)


def html_to_text(fragment: str) -> str:
    """Feed content (an HTML fragment) -> plain text with paragraph breaks."""
    text = _BLOCK.sub("\n", fragment)
    text = htmllib.unescape(_TAGS.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def extract_page(body: bytes, url: str) -> dict | None:
    """trafilatura's main text and metadata of an article page, or None when it has no text."""
    import trafilatura

    html = body.decode("utf-8", errors="replace")
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (d.get("text") or "").strip()
    if len(text) < 40:  # menus and cookie banners are not articles
        return None
    return {"text": text, "title": d.get("title"), "author": d.get("author"), "date": d.get("date")}


# ----------------------------------------------------------------------------- state

class State:
    """SQLite: feeds (conditional-GET validators) and items (what was annotated, by hash)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, modified TEXT,
                last_status TEXT, last_checked REAL);
            CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, feed TEXT, link TEXT,
                content_hash TEXT, output TEXT, processed_at REAL);
        """)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT etag, modified FROM feeds WHERE url=?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_feed(self, url: str, status: str, etag=None, modified=None, keep_validators=False):
        if keep_validators:
            etag, modified = self.validators(url)
        self.db.execute("INSERT OR REPLACE INTO feeds VALUES (?,?,?,?,?)",
                        (url, etag, modified, status, time.time()))
        self.db.commit()

    def item_hash(self, key: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM items WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def save_item(self, key: str, feed: str, link: str | None, content_hash: str, output: str):
        self.db.execute("INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?)",
                        (key, feed, link, content_hash, output, time.time()))
        self.db.commit()

    def close(self):
        self.db.close()


@contextlib.contextmanager
def run_lock(path: Path):
    """An exclusive, non-blocking lock: a second run (e.g. an overlapping cron job) gets LockHeld."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(f"{path}: another hebnews feed run holds the lock") from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# ----------------------------------------------------------------------------- the run

@dataclass
class Item:
    key: str
    feed: str
    feed_title: str | None
    link: str | None
    title: str | None
    published: str | None
    author: str | None
    feed_text: str  # the feed's own content, the fallback
    content_hash: str  # of the feed entry (title + link + content): changes when edited


def expand_sources(sources: list[str]) -> list[str]:
    """URLs and feed files as given; a .txt file lists sources, one per line (# comments)."""
    out = []
    for s in sources:
        p = Path(s)
        if not is_url(s) and p.suffix == ".txt" and p.is_file():
            out += [ln.strip() for ln in p.read_text("utf-8").splitlines()
                    if ln.strip() and not ln.lstrip().startswith("#")]
        else:
            out.append(s)
    return out


def read_feed(source: str, state: State, timeout: float, retries: int) -> list[Item] | None:
    """Items of one feed, or None when it has not changed (304)."""
    import feedparser

    if is_url(source):
        etag, modified = state.validators(source)
        got = fetch(source, timeout, retries, etag, modified)
        if got.status == 304:
            state.save_feed(source, "304", keep_validators=True)
            return None
        body = got.body
    else:
        try:
            body = Path(source).read_bytes()
        except OSError as exc:
            raise FeedError(f"{source}: cannot read ({exc.strerror or exc})") from None
        got = Fetched(200, body)
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed.get("bozo_exception"), "args", [""])[0] if parsed.bozo else "no items"
        raise FeedError(f"{source}: not a valid RSS/Atom feed ({str(reason)[:120] or 'unparseable'})")
    feed_title = parsed.feed.get("title")
    items = []
    for e in parsed.entries:
        content = ""
        if e.get("content"):
            content = e.content[0].get("value", "")
        content = content or e.get("summary", "") or ""
        text = html_to_text(content)
        title = e.get("title")
        link = e.get("link")
        key = e.get("id") or link or hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
        keys = set(e.keys())  # (plain keys: feedparser maps a missing 'updated' with a warning)
        updated = e["updated"] if "updated" in keys else None
        published = (e["published"] if "published" in keys else None) or updated
        h = hashlib.sha256(f"{title}\n{link}\n{updated}\n{content}".encode()).hexdigest()
        items.append(Item(key, source, feed_title, link, title, published, e.get("author"),
                          text, h))
    state.save_feed(source, "200", got.etag, got.modified)
    return items


def output_name(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def run_feeds(annotator, sources: list[str], out_dir: Path, state_path: Path | None = None,
              timeout: float = 15.0, retries: int = 2, fmt: str = "json",
              fetch_pages: bool = True) -> FeedStats:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = Path(state_path) if state_path else out_dir / ".hebnews-feeds.sqlite"
    stats = FeedStats()
    from .batch import _StopFlag

    with run_lock(state_path.with_name(state_path.name + ".lock")), _StopFlag() as stop:
        from .writers import remove_stale_temps

        remove_stale_temps(out_dir)  # the lock is ours: temp files here are from a killed run
        state = State(state_path)
        try:
            todo: list[tuple[Item, bool]] = []
            for source in expand_sources(sources):
                try:
                    items = read_feed(source, state, timeout, retries)
                except FeedError as exc:
                    stats.feeds_failed += 1
                    state.save_feed(source, f"error: {exc}"[:300], keep_validators=True)
                    log.error("%s", exc)
                    continue
                if items is None:
                    stats.feeds_unchanged += 1
                    log.info("feed %s: not modified (304)", source)
                    continue
                stats.feeds_ok += 1
                new = 0
                for it in items:
                    old = state.item_hash(it.key)
                    if old == it.content_hash:
                        stats.items_seen += 1
                        continue
                    todo.append((it, old is not None))
                    new += 1
                log.info("feed %s: %d items, %d new or changed", source, len(items), new)

            def records() -> Iterator[tuple[str, dict]]:
                for it, updated in todo:
                    if stop.signum is not None:  # SIGTERM: no new item; finish those in progress
                        return
                    page = None
                    if fetch_pages and it.link and is_url(it.link):
                        try:
                            got = fetch(it.link, timeout, retries)
                            stats.pages_fetched += 1
                            page = extract_page(got.body, it.link)
                            if page is None:
                                log.warning("%s: no article text on the page; using the feed's content",
                                            it.link)
                        except FeedError as exc:
                            log.warning("%s; using the feed's content", exc)
                    text = page["text"] if page else "\n".join(x for x in (it.title, it.feed_text) if x)
                    if page is None:
                        stats.page_fallbacks += 1
                    if not text.strip():
                        stats.items_failed += 1
                        log.error("%s: item has no text (page and feed both empty)", it.link or it.key)
                        continue
                    meta = {"source": it.link or it.feed, "url": it.link,
                            "title": (page or {}).get("title") or it.title,
                            "author": (page or {}).get("author") or it.author,
                            "published": it.published or (page or {}).get("date"),
                            "feed": {"url": it.feed, "title": it.feed_title},
                            "item_id": it.key, "extracted_from": "page" if page else "feed",
                            "_item": it, "_updated": updated}
                    yield text, meta

            suffix = {"json": ".json", "html": ".html"}[fmt]
            for doc in annotator.annotate_stream(records()):
                it = doc.meta.pop("_item")
                updated = doc.meta.pop("_updated")
                name = output_name(it.key) + suffix
                atomic_write_text(out_dir / name, render(doc, fmt))
                state.save_item(it.key, it.feed, it.link, it.content_hash, name)  # after the write
                stats.written.append(name)
                if updated:
                    stats.items_updated += 1
                else:
                    stats.items_new += 1
            stats.stopped_by = stop.signum
        finally:
            state.close()
    return stats


def stats_line(stats: FeedStats) -> str:
    return json.dumps({k: v for k, v in stats.__dict__.items() if k != "written"} |
                      {"written": len(stats.written)})
