"""Scheduled runs over RSS/Atom feeds: fetch, extract, annotate what is new, remember it.

    hebnews feed https://example.co.il/rss.xml feeds.txt -o out/ [--state out/state.sqlite]

* Feeds are fetched with conditional GET (ETag / Last-Modified): an unchanged feed costs one
  304. Feeds may also be local files (or ``.txt`` files listing sources, one per line).
* Every download is bounded (:mod:`hebnews.fetch`): a deadline for the whole request, a byte
  cap enforced while streaming (decompressed size included), http/https only at every redirect.
* Each new item's page is fetched, decoded by the web's rules (:mod:`hebnews.pages`) and its
  main text extracted with trafilatura; when the page fails or has no text, the feed's own
  content is used. A page that *failed* (network, HTTP error, deadline, size, undecodable) is
  recorded in the state and fetched again on the next runs (at most ``PAGE_TRIES`` runs in all);
  when it succeeds, the item is annotated again from the page.
* Article text longer than ``max_chars`` is cut at a sentence boundary and marked in ``meta``.
* A SQLite state file remembers every item (id/link + content hash): a second run does nothing
  new and fetches no page; an item whose feed content changed is fetched and annotated again.
  One article in several feeds, or under a guid that changed, is one item (:mod:`hebnews.feedident`).
* Safe under cron: a lock file so two runs never overlap (the second exits at once), one broken
  feed or page never stops the others, outputs written atomically, state updated only after the
  output is on disk (and, with ``--db``, in the store: a run killed in between does the item
  again, and a store that does not take an item stops the run there); SIGTERM stops the run between two encoder batches (the items not yet
  written are done by the next run).
"""
from __future__ import annotations

import calendar
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .feedident import Copies, item_ident
from .feedstate import LockHeld, State, run_lock  # noqa: F401  (LockHeld, run_lock: part of this module's API)
from .fetch import FetchError, Limits, capped_body, fetch, is_url
from .pages import DEFAULT_MAX_CHARS, cap_text, check_not_garbage, decode_page, extract_article, html_to_text
from .io.runtime import StopFlag
from .readers import InputError, not_text, text_path
from .writers import atomic_write_text, remove_stale_temps, render

log = logging.getLogger(__name__)
PAGE_TRIES = 3  # runs in which a failed page is fetched (the first included)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FeedError(RuntimeError):
    """A feed that cannot be fetched or parsed (one line, names the feed)."""


@dataclass
class FeedStats:
    feeds_ok: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    items_new: int = 0
    items_updated: int = 0
    items_seen: int = 0
    items_duplicate: int = 0  # copies of an article another feed has (hebnews.feedident)
    items_failed: int = 0  # with --db: also an item written but not indexed (done again next run)
    pages_fetched: int = 0
    pages_failed: int = 0  # fetched again on later runs (at most PAGE_TRIES runs)
    pages_retried: int = 0  # pages of earlier runs' items fetched again in this run
    page_fallbacks: int = 0
    items_truncated: int = 0
    stopped_by: int | None = None  # SIGTERM/SIGINT: no new item was started
    store_failed: bool = False  # --db did not take an item: the run stopped there
    written: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.feeds_failed or self.items_failed or self.pages_failed)


# ----------------------------------------------------------------------------- feeds

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
    updated: bool = False  # seen before with other content
    page_failures: int = 0  # runs whose page fetch failed (from the state)
    retry_only: bool = False  # unchanged item, here only to fetch its failed page again


def expand_sources(sources: list[str]) -> list[str]:
    """URLs and feed files as given; a .txt file lists sources, one per line (# comments; a
    line's bytes that are not UTF-8 are kept, as in a file name given as an argument)."""
    out = []
    for s in sources:
        p = Path(s)
        if not is_url(s) and p.suffix == ".txt" and p.is_file():
            out += [ln.strip() for ln in p.read_text("utf-8", "surrogateescape").splitlines()
                    if ln.strip() and not ln.lstrip().startswith("#")]
        else:
            out.append(s)
    return out


def iso_time(entry, key: str) -> str | None:
    """An RSS/Atom date as ISO 8601 in UTC (feedparser parses both formats); the raw string
    when it cannot be parsed; None when absent."""
    parsed = entry.get(f"{key}_parsed") if key in entry.keys() else None
    if parsed:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))
    return entry[key] if key in entry.keys() else None


def _feed_body(source: str, state: State, limits: Limits, stop) -> tuple[bytes, dict] | None:
    """The feed's bytes and its validators; None when unchanged (304). A feed file's name may
    be bytes that are not UTF-8; a URL may not."""
    name = text_path(source)
    if "://" in source and not is_url(source):
        scheme = name.split("://", 1)[0]
        raise FeedError(f"{name}: {scheme}: URLs are not fetched (only http and https; a local "
                        f"feed file is given by its path)")
    if is_url(source) and not_text(source):
        raise FeedError(f"{name}: not a URL (bytes that are not UTF-8)")
    if is_url(source):
        etag, modified = state.validators(source)
        try:
            got = fetch(source, limits, etag, modified, stop=stop)
        except FetchError as exc:
            raise FeedError(str(exc)) from None
        if got.status == 304:
            return None
        return got.body, {"etag": got.etag, "modified": got.modified}
    try:
        with open(source, "rb") as f:
            data = f.read(limits.max_bytes + 1)
        return capped_body(data, name, limits.max_bytes), {}
    except FetchError as exc:
        raise FeedError(str(exc)) from None
    except OSError as exc:
        raise FeedError(f"{name}: cannot read ({exc.strerror or exc})") from None


def _item(e, source: str, feed_title: str | None) -> Item:
    content = e.content[0].get("value", "") if e.get("content") else ""
    content = content or e.get("summary", "") or ""
    text = html_to_text(content)
    title, link = e.get("title"), e.get("link")
    guid = CONTROL.sub("", e.get("id") or "").strip()  # a NUL or a newline is no part of a name
    key = guid or link or hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
    keys = set(e.keys())  # (plain keys: feedparser maps a missing 'updated' with a warning)
    updated = e["updated"] if "updated" in keys else None
    published = iso_time(e, "published") or iso_time(e, "updated")
    h = hashlib.sha256(f"{title}\n{link}\n{updated}\n{content}".encode("utf-8", "replace")).hexdigest()
    return Item(key, source, feed_title, link, title, published, e.get("author"), text, h)


def read_feed(source: str, state: State, limits: Limits, stop=None) -> list[Item] | None:
    """Items of one feed, or None when it has not changed (304). The state and the items name a
    feed file as text (:func:`hebnews.readers.text_path`)."""
    import feedparser

    got = _feed_body(source, state, limits, stop)
    source = text_path(source)
    if got is None:
        state.save_feed(source, "304", keep_validators=True)
        return None
    body, validators = got
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed.get("bozo_exception"), "args", [""])[0] if parsed.bozo else "no items"
        raise FeedError(f"{source}: not a valid RSS/Atom feed ({str(reason)[:120] or 'unparseable'})")
    feed_title = parsed.feed.get("title")
    items = [_item(e, source, feed_title) for e in parsed.entries]
    state.save_feed(source, "200", validators.get("etag"), validators.get("modified"))
    return items


def output_name(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:16]


# ----------------------------------------------------------------------------- one item

class PageFailed(RuntimeError):
    """The item's page could not be had (retried on later runs)."""


def fetch_page(url: str, limits: Limits, stop=None) -> dict | None:
    """The article of a page (text, title, author, date); None when the page has no article
    text (not retried); :class:`PageFailed` when it could not be fetched or decoded."""
    try:
        got = fetch(url, limits, stop=stop)
        html, _ = decode_page(got.body, got.content_type, url)
        check_not_garbage(html, url)
    except (FetchError, InputError) as exc:
        raise PageFailed(str(exc)) from None
    return extract_article(html, got.url or url)


def _meta(it: Item, page: dict | None) -> dict:
    return {"source": it.link or it.feed, "url": it.link,
            "title": (page or {}).get("title") or it.title,
            "author": (page or {}).get("author") or it.author,
            "published": it.published or (page or {}).get("date"),
            "feed": {"url": it.feed, "title": it.feed_title},
            "item_id": it.key, "extracted_from": "page" if page else "feed"}


class FeedRun:
    """One run: the items to do -> (text, meta) records, with the page-retry bookkeeping."""

    def __init__(self, state: State, stats: FeedStats, limits: Limits, fetch_pages: bool,
                 max_chars: int, stop):
        self.state, self.stats, self.limits = state, stats, limits
        self.fetch_pages, self.max_chars, self.stop = fetch_pages, max_chars, stop

    def collect(self, items: list[Item]) -> list[Item]:
        """New or changed items, and unchanged ones whose page is due for another try."""
        todo = []
        for it in items:
            known = self.state.item(it.key)
            if known is not None and known[0] == it.content_hash:
                self.stats.items_seen += 1
                if 0 < known[1] < PAGE_TRIES and self.fetch_pages:
                    it.page_failures, it.retry_only = known[1], True
                    todo.append(it)
                continue
            it.updated = known is not None
            todo.append(it)
        return todo

    def _page(self, it: Item) -> tuple[dict | None, bool]:
        """(page, failed) for an item."""
        if not (self.fetch_pages and it.link and is_url(it.link)):
            return None, False
        try:
            page = fetch_page(it.link, self.limits, self.stop)
        except PageFailed as exc:
            self.stats.pages_failed += 1
            more = PAGE_TRIES - it.page_failures - 1
            log.error("%s; %s", exc, f"using the feed's content, the page is tried again in the "
                      f"next {more} run(s)" if more > 0 else f"giving up on the page after {PAGE_TRIES} runs")
            return None, True
        self.stats.pages_fetched += 1
        if page is None:
            log.warning("%s: no article text on the page; using the feed's content", it.link)
        return page, False

    def record(self, it: Item) -> tuple[str, dict] | None:
        """The (text, meta) to annotate for an item, or None (failed, or nothing new)."""
        page, failed = self._page(it)
        if it.retry_only:
            self.stats.pages_retried += 1
            if page is None:  # the feed-text output stands
                self.state.page_retried(it.key, failed)
                return None
        text = page["text"] if page else "\n".join(x for x in (it.title, it.feed_text) if x)
        if page is None:
            self.stats.page_fallbacks += 1
        where = it.link or it.key
        try:
            if not text.strip():
                raise InputError(f"{where}: item has no text (page and feed both empty)")
            check_not_garbage(text, where)
        except InputError as exc:
            self.stats.items_failed += 1
            log.error("%s", exc)
            return None
        meta = _meta(it, page)
        text, cut = cap_text(text, self.max_chars)
        if cut:
            self.stats.items_truncated += 1
            meta["truncated"] = cut
            log.warning("%s: article text of %d characters cut to %d (--max-chars)", where,
                        cut["original_chars"], cut["truncated_at"])
        it.page_failures = it.page_failures + 1 if failed else 0
        return text, meta

    def records(self, todo: list[Item]) -> Iterator[tuple[str, dict]]:
        for it in todo:
            if self.stop():  # SIGTERM: no new item
                return
            rec = self.record(it)
            if rec is not None:
                text, meta = rec
                yield text, {**meta, "_item": it}


# ----------------------------------------------------------------------------- the run

def _read_feeds(run: FeedRun, sources: list[str]) -> list[Item]:
    """The items to do: every feed is read first, then the copies of one article in several
    feeds (or under a changed guid) are left out (:class:`hebnews.feedident.Copies`)."""
    read: list[tuple[str, list[Item]]] = []
    stats, state = run.stats, run.state
    for source in expand_sources(sources):
        if run.stop():
            break
        try:
            items = read_feed(source, state, run.limits, run.stop)
        except FeedError as exc:
            stats.feeds_failed += 1
            state.save_feed(text_path(source), f"error: {exc}"[:300], keep_validators=True)
            log.error("%s", exc)
            continue
        if items is None:
            stats.feeds_unchanged += 1
            log.info("feed %s: not modified (304)", source)
            continue
        stats.feeds_ok += 1
        read.append((text_path(source), items))
    copies = Copies(state, read)
    todo: list[Item] = []
    for source, items in read:
        kept = [it for it in items if copies.keep(it)]
        stats.items_duplicate += len(items) - len(kept)
        new = run.collect(kept)
        todo += new
        log.info("feed %s: %d items, %d new, changed or due a page retry", source, len(items), len(new))
    return todo


def default_state(out_dir: Path) -> Path:
    return Path(out_dir) / ".hebnews-feeds.sqlite"


def lock_path(state_path: Path) -> Path:
    """The lock file of a state file: two runs on one state never overlap."""
    return state_path.with_name(state_path.name + ".lock")


def run_feeds(annotator, sources: list[str], out_dir: Path, state_path: Path | None = None,
              timeout: float = 15.0, retries: int = 2, fmt: str = "json",
              fetch_pages: bool = True, max_bytes: int | None = None,
              max_chars: int = DEFAULT_MAX_CHARS, after_write=None) -> FeedStats:
    """One feed run (see the module); ``after_write(doc, output path)`` once an item's output is
    written, before it is in the state (``--db``: a run killed in between does it again); when it
    returns False (the store could not write) the item is not recorded, the run stops and the next
    run does it again; None (the store cannot hold this document) is recorded like True."""
    from .model import Interrupted

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = Path(state_path) if state_path else default_state(out_dir)
    limits = Limits(timeout=timeout, retries=retries, max_bytes=max_bytes or Limits.max_bytes)
    stats = FeedStats()
    suffix = {"json": ".json", "html": ".html"}[fmt]
    with run_lock(lock_path(state_path)), StopFlag() as stop:
        remove_stale_temps(out_dir)  # the lock is ours: temp files here are from a killed run
        state = State(state_path)
        run = FeedRun(state, stats, limits, fetch_pages, max_chars, stop)
        try:
            todo = _read_feeds(run, sources)
            for doc in annotator.annotate_stream(run.records(todo), stop=run.stop):
                it = doc.meta.pop("_item")
                name = output_name(it.key) + suffix
                atomic_write_text(out_dir / name, render(doc, fmt))
                stats.written.append(name)
                # before the state: a run killed in between does the item again, and so does the
                # next run when the store could not take it (False: a full disk, a read-only or
                # locked store); the run stops there, as the items after it would not be recorded.
                # A document the store can never hold (None: its values) is reported and done:
                # doing it again would stop every later run at the same item
                stored = after_write(doc, out_dir / name) if after_write else True
                if stored is False:
                    stats.items_failed += 1
                    stats.store_failed = True
                    break
                state.save_item(it.key, it.feed, it.link, it.content_hash, name, it.page_failures,
                                item_ident(it.link, it.title))
                if it.retry_only or it.updated:
                    stats.items_updated += 1
                else:
                    stats.items_new += 1
        except Interrupted:
            pass  # the items in progress are not in the state: the next run does them
        finally:
            state.close()
        stats.stopped_by = stop.signum
    return stats


def stats_line(stats: FeedStats) -> str:
    return json.dumps({k: v for k, v in stats.__dict__.items() if k != "written"} |
                      {"written": len(stats.written)})
