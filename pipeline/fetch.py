"""Bounded HTTP GETs for feeds and article pages (httpx).

Every download is bounded three ways, so that one hostile server cannot stall or swamp a run:

* **time**: ``timeout`` is a deadline for the whole request (connect, headers, body, every
  redirect hop). The transfer runs in a worker thread; the caller stops waiting at the deadline,
  whatever the server does (a page that drips one byte a second fails at the deadline, it is
  not annotated).
* **bytes**: at most ``max_bytes`` of body, counted while streaming (a Content-Length above the
  cap fails before the body is read). gzip/deflate bodies are decompressed by us with the same
  cap on the decompressed size, so a compression bomb stops at the cap.
* **where**: only ``http`` and ``https``, at every redirect hop (at most ``max_redirects``).

Retries (``retries``, exponential back-off, ``Retry-After`` honoured up to 30 s) are for what
may pass: connection errors, 5xx and 429. A 4xx, a blown deadline, an oversized body or a
refused scheme fail at once.
"""
from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .version import __version__

USER_AGENT = f"hebnews/{__version__} (+feed annotation)"
SCHEMES = ("http", "https")
DEFAULT_MAX_BYTES = 5 * 2**20
MAX_RETRY_AFTER = 30.0


class FetchError(RuntimeError):
    """A download that failed; the message is one line naming the URL."""


@dataclass
class Limits:
    timeout: float = 15.0  # seconds for the whole request, redirects included
    max_bytes: int = DEFAULT_MAX_BYTES  # body bytes (after decompression)
    retries: int = 2  # further attempts after a transient failure
    max_redirects: int = 5
    backoff: float = 0.5  # seconds before the first retry, doubled each time


@dataclass
class Fetched:
    status: int  # 200, or 304 (not modified)
    body: bytes = b""
    etag: str | None = None
    modified: str | None = None
    url: str = ""  # the final URL, after redirects
    content_type: str = ""  # the Content-Type header (its charset decides the decoding)


class _Transient(Exception):
    """A failure worth another attempt (network error, 5xx, 429)."""

    def __init__(self, msg: str, retry_after: float | None = None):
        super().__init__(msg)
        self.retry_after = retry_after


def is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def check_scheme(url: str, what: str = "URL") -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(f"{url}: {what} with scheme {scheme + ':' if scheme else 'none'} refused "
                         f"(only http and https are fetched)")


class _Body:
    """Collects a streamed body under the byte cap, decompressing gzip/deflate ourselves."""

    def __init__(self, url: str, encoding: str, cap: int):
        self.url, self.cap = url, cap
        self.parts: list[bytes] = []
        self.size = 0
        enc = encoding.lower().strip()
        if enc in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self.z = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header, auto
        elif enc in ("", "identity"):
            self.z = None
        else:
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchError(f"{self.url}: larger than the {self.cap:,}-byte limit (--max-bytes)")
        self.parts.append(data)

    def feed(self, raw: bytes) -> None:
        if self.z is None:
            self._add(raw)
            return
        data = raw
        while data:
            try:  # never more than the cap allows from one input chunk (a bomb stops here)
                out = self.z.decompress(data, self.cap - self.size + 1)
            except zlib.error as exc:
                raise FetchError(f"{self.url}: corrupt compressed body ({exc})") from None
            self._add(out)
            data = self.z.unconsumed_tail
            if not out and not data:
                break

    def bytes(self) -> bytes:
        body = b"".join(self.parts)
        if self.z is None and body[:2] == b"\x1f\x8b":  # a .gz file served as is (a gzipped feed)
            inner = _Body(self.url, "gzip", self.cap)
            inner.feed(body)
            return b"".join(inner.parts)
        return body


def capped_body(data: bytes, name: str, cap: int) -> bytes:
    """Bytes read from elsewhere (a local feed file) under the same cap and gzip rule."""
    body = _Body(name, "", cap)
    body.feed(data)
    return body.bytes()


def _sleep(seconds: float, stop) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if stop is not None and stop():
            return
        time.sleep(min(left, 0.1))


def _retry_after(resp) -> float | None:
    value = resp.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _one_hop(client, url: str, headers: dict, limits: Limits, deadline: float, cancel: threading.Event):
    """One GET without following redirects: (response, body bytes or None for a redirect)."""
    import httpx

    remaining = max(0.01, deadline - time.monotonic())
    try:
        with client.stream("GET", url, headers=headers, timeout=httpx.Timeout(remaining)) as resp:
            if resp.is_redirect or resp.status_code == 304:
                return resp, None
            if resp.status_code >= 500 or resp.status_code == 429:
                raise _Transient(f"HTTP {resp.status_code} {resp.reason_phrase}", _retry_after(resp))
            if resp.status_code >= 400:
                raise FetchError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}")
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes \
                    and not resp.headers.get("Content-Encoding"):
                raise FetchError(f"{url}: {int(declared):,} bytes, more than the "
                                 f"{limits.max_bytes:,}-byte limit (--max-bytes)")
            body = _Body(url, resp.headers.get("Content-Encoding", ""), limits.max_bytes)
            for chunk in resp.iter_raw(65536):
                if cancel.is_set():
                    raise FetchError(f"{url}: cancelled")
                body.feed(chunk)
            return resp, body.bytes()
    except httpx.TimeoutException:
        raise FetchError(f"{url}: timed out") from None
    except (httpx.TransportError, OSError) as exc:
        raise _Transient(f"network error: {str(exc) or type(exc).__name__}") from None


def _attempt(url: str, headers: dict, limits: Limits, deadline: float, cancel: threading.Event) -> Fetched:
    """Follow redirects by hand (the scheme is checked at every hop) within the deadline."""
    import httpx

    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        for _ in range(limits.max_redirects + 1):
            resp, body = _one_hop(client, url, headers, limits, deadline, cancel)
            if resp.status_code == 304:
                return Fetched(304, url=url, etag=headers.get("If-None-Match"),
                               modified=headers.get("If-Modified-Since"))
            if body is None:  # a redirect
                target = urljoin(url, resp.headers.get("Location", ""))
                check_scheme(target, f"redirect from {url} to a URL")
                url = target
                continue
            return Fetched(resp.status_code, body, resp.headers.get("ETag"),
                           resp.headers.get("Last-Modified"), url, resp.headers.get("Content-Type", ""))
    raise FetchError(f"{url}: more than {limits.max_redirects} redirects")


def _with_deadline(fn, deadline: float, url: str, stop):
    """Run ``fn(cancel)`` in a daemon thread; give up at the deadline (or when ``stop()``)."""
    box: dict = {}
    cancel = threading.Event()

    def work():
        try:
            box["value"] = fn(cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    t = threading.Thread(target=work, name="hebnews-fetch", daemon=True)
    t.start()
    while t.is_alive():
        t.join(min(0.1, max(0.0, deadline - time.monotonic())))
        if stop is not None and stop():
            cancel.set()
            raise FetchError(f"{url}: stopped by a signal")
        if t.is_alive() and time.monotonic() >= deadline:
            cancel.set()  # the worker stops at its next chunk; we do not wait for it
            raise FetchError(f"{url}: timed out (no complete response within the deadline)")
    if "error" in box:
        raise box["error"]
    return box["value"]


def fetch(url: str, limits: Limits | None = None, etag: str | None = None,
          modified: str | None = None, stop=None) -> Fetched:
    """GET ``url`` under ``limits``: a :class:`Fetched`, or a one-line :class:`FetchError`.

    ``stop``: a callable checked while waiting; when it returns true the fetch is abandoned."""
    limits = limits or Limits()
    check_scheme(url)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    attempts, last = 0, ""
    for attempt in range(limits.retries + 1):
        attempts += 1
        deadline = time.monotonic() + limits.timeout
        try:
            return _with_deadline(lambda c: _attempt(url, headers, limits, deadline, c), deadline, url, stop)
        except _Transient as exc:
            last = str(exc)
            if attempt == limits.retries:
                break
            wait = limits.backoff * 2 ** attempt
            if exc.retry_after is not None:
                if exc.retry_after > MAX_RETRY_AFTER:
                    break  # the server asks for more patience than a run has
                wait = max(wait, exc.retry_after)
            _sleep(wait, stop)
            if stop is not None and stop():
                break
    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
    raise FetchError(f"{url}: {last}{tries}")
