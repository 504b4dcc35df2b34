"""When two feed entries are one article: the copies a feed run leaves out.

An item is its guid (``Item.key``: the entry's id, else its link). Across feeds an article is
also its link, less what only tracks the reader (:func:`url_key`), with its title
(:func:`item_ident`): a site that lists one article in two feeds, or a feed whose guid changed
while its link and title stayed, is one article, annotated once.

* The same guid twice in one run (two feeds, or one feed twice): the first in the order the
  feeds were given is the item, the others are copies.
* An item the state knows from another feed (its *owner*) is a copy while the owner still
  carries it: the owner listed it this run, returned 304 (unchanged), failed, or is not among
  this run's feeds. Only when the owner has dropped it does another feed's entry take it over.
  So two feeds whose entries of one article differ (one cuts the summary shorter) never take
  turns replacing it on every run.
* A new guid whose link and title are those of an item the state knows (another guid) is that
  item: in another feed that still carries it, a copy; else (the guid changed, or the owner
  dropped the old entry) it goes on under the known key, so its output, its store row and its
  ``meta.item_id`` stay the ones it had. In the *same* feed, while the feed still lists the old
  guid too, they are two items (a ticker whose entries all link to one page).
"""
from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

# query parameters that say where a reader came from, not which article: left out of url_key
TRACKING = re.compile(r"(utm_\w+|fbclid|gclid|dclid|gclsrc|msclkid|yclid|igshid|mc_cid|mc_eid|_ga|_gl)",
                      re.IGNORECASE)


def url_key(link: str) -> str:
    """An http(s) link as articles are compared: scheme and host in lower case, no fragment, no
    tracking parameters (``utm_*``, ``fbclid``, ...); any other link as it is."""
    link = link.strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        return link
    if parts.scheme.lower() not in ("http", "https"):
        return link
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.fullmatch(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def item_ident(link: str | None, title: str | None) -> str | None:
    """The article an entry is, across feeds and guids: its :func:`url_key` and title (None
    without a link)."""
    if not link or not link.strip():
        return None
    raw = f"{url_key(link)}\n{' '.join((title or '').split())}"
    return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()


class Copies:
    """The items of one run, feed by feed (``read``: (feed, items) in the order given; a feed
    that failed or returned 304 is not in it): :meth:`keep` says which are not copies."""

    def __init__(self, state, read: list[tuple[str, list]]):
        self.state = state
        self.carried = {feed: {it.key for it in items} for feed, items in read}
        self.keys: dict[str, str] = {}  # key -> the feed whose item it is in this run
        self.idents: dict[str, str] = {}  # ident -> that feed

    def carries(self, feed: str, key: str) -> bool:
        """Whether ``feed`` still has the item ``key`` (as far as this run can tell)."""
        return feed not in self.carried or key in self.carried[feed]

    def keep(self, it) -> bool:
        """False for a copy (see the module); an item that goes on under a known key (its guid
        changed) has that key in ``it.key`` afterwards."""
        ident = item_ident(it.link, it.title)
        if it.key in self.keys or ident and self.idents.get(ident, it.feed) != it.feed:
            return self._copy(it, "another feed of this run has it")
        owner = self.state.item_feed(it.key)
        if owner is None and ident:
            known = self.state.item_by_ident(ident)
            if known and known[0] != it.key and not (known[1] == it.feed and self.carries(known[1], known[0])):
                if known[1] != it.feed and self.carries(known[1], known[0]):
                    return self._copy(it, f"{known[1]} has it as {known[0]!r}")
                log.info("%s: item %r has the link and title of %r: the same article", it.feed, it.key, known[0])
                it.key, owner = known[0], known[1]
                if it.key in self.keys:
                    return self._copy(it, "another feed of this run has it")
        if owner is not None and owner != it.feed and self.carries(owner, it.key):
            return self._copy(it, f"{owner} has it")
        self.keys[it.key] = it.feed
        if ident:
            self.idents.setdefault(ident, it.feed)
        return True

    @staticmethod
    def _copy(it, why: str) -> bool:
        log.info("%s: item %r is a copy (%s); left out", it.feed, it.key, why)
        return False
