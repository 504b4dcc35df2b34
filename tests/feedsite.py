"""A loopback web site for feed tests (127.0.0.1, a random port): feeds and article pages built
from the small fixture articles in tests/fixtures/feeds, plus hostile routes (a huge page, a
page that drips, redirects off http, gzip bombs). Every handler is bounded in time."""
from __future__ import annotations

import gzip
import json
import threading
import time
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ARTICLES = json.loads((Path(__file__).parent / "fixtures" / "feeds" / "articles.json").read_text("utf-8"))


def page(title: str, text: str, charset_meta: str | None = None) -> str:
    paras = "".join(f"<p>{escape(p.rstrip('.'))}.</p>" for p in text.split(". ") if p)
    meta = f"<meta http-equiv='Content-Type' content='text/html; charset={charset_meta}'>" if charset_meta else ""
    return (f"<html><head>{meta}<title>{escape(title)}</title><meta name='author' content='כתב החדשות'>"
            f"</head><body><nav><a href='/'>ראשי</a> | <a href='/news'>חדשות</a></nav>"
            f"<article><h1>{escape(title)}</h1>{paras}</article><footer>כל הזכויות שמורות</footer>"
            f"</body></html>")


def rss(base: str, items, encoding: str = "utf-8", cdata: bool = False) -> str:
    def title(t):
        return f"<![CDATA[{t}]]>" if cdata else escape(t)

    body = "".join(
        f"<item><title>{title(t)}</title><link>{base}{link}</link><guid>{base}{link}</guid>"
        f"<pubDate>{formatdate(1700000000 + i * 3600)}</pubDate>"
        f"<description>{escape('<p>' + d + '</p>')}</description></item>"
        for i, (t, link, d) in enumerate(items))
    return (f"<?xml version='1.0' encoding='{encoding}'?><rss version='2.0'><channel><title>חדשות הבדיקה</title>"
            f"<link>{base}/</link><description>חדשות</description>{body}</channel></rss>")


def atom(base: str, items) -> str:
    body = "".join(
        f"<entry><title>{escape(t)}</title><link href='{base}{link}'/><id>tag:x,2025:{link}</id>"
        f"<updated>2025-08-1{i}T10:00:00+03:00</updated><content type='html'>{escape('<p>' + d + '</p>')}</content>"
        f"</entry>" for i, (t, link, d) in enumerate(items))
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>פיד אטום</title><id>tag:x,2025:feed</id><updated>2025-08-15T10:00:00Z</updated>{body}</feed>")


# ----------------------------------------------------------------------------- routes

def static(body: str | bytes, ctype: str = "text/html; charset=utf-8", status: int = 200,
           etag: str | None = None, delay: float = 0, headers: dict | None = None):
    data = body.encode("utf-8") if isinstance(body, str) else body

    def handle(h: BaseHTTPRequestHandler):
        if delay:
            time.sleep(delay)
        if etag and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.end_headers()
            return
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        if etag:
            h.send_header("ETag", etag)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        try:
            h.wfile.write(data)
        except OSError:  # the client gave up (a deadline): fine
            pass
    return handle


def huge(size: int, declare_length: bool):
    """``size`` bytes of a page, streamed in 64 KB chunks (never held in memory)."""
    chunk = ("<p>" + "מילה " * 12000 + "</p>").encode("utf-8")[:65536]

    def handle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if declare_length:
            h.send_header("Content-Length", str(size))
        h.end_headers()
        sent = 0
        try:
            while sent < size:
                part = chunk[:size - sent]
                h.wfile.write(part)
                sent += len(part)
        except OSError:  # the client gave up: good
            pass
    return handle


def drip(body: str, interval: float = 1.0, limit_s: float = 30.0):
    """A page that sends one byte per ``interval`` (stops after ``limit_s``)."""
    data = body.encode("utf-8")

    def handle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        end = time.monotonic() + limit_s
        try:
            for i in range(len(data)):
                if time.monotonic() > end:
                    return
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass
    return handle


def redirect(location: str, status: int = 302):
    def handle(h):
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handle


def gzipped(body: bytes, ctype: str = "application/rss+xml", encoding_header: bool = True):
    data = gzip.compress(body)
    headers = {"Content-Encoding": "gzip"} if encoding_header else {}
    return static(data, ctype, headers=headers)


class Site:
    """Routes (path -> handler) on a ThreadingHTTPServer; counts requests per path."""

    def __init__(self):
        self.routes = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        site = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                with site.lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                route(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port with nothing listening."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
