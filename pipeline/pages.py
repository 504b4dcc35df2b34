"""Web pages -> article text: decoding by the web's rules, main-text extraction, a length cap;
and a local file read as a document (HTML detected and extracted, :func:`read_document`).

Decoding a downloaded page, in order (the first that names a usable codec wins):
1. the charset of the HTTP ``Content-Type`` header;
2. a byte-order mark;
3. the page's own declaration, ``<meta charset=...>`` or ``<meta http-equiv="Content-Type"
   content="...; charset=...">`` in its first 4 KB (older Israeli sites declare windows-1255
   only there);
4. the file reader's rule (:func:`hebnews.readers.decode`): strict UTF-8, else a detected
   Hebrew encoding (UTF-16, windows-1255, ISO-8859-8) that passes our Hebrew-text check.

Text that comes out mostly U+FFFD (a wrong declaration, a binary body) is refused, never
annotated.
"""
from __future__ import annotations

import codecs
import html as htmllib
import re

from .readers import BOMS, InputError, Opener, decode, read_input, source_meta

_TAGS = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|blockquote|tr)\b[^>]*>", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]+)""", re.I)
_SENTENCE_END = re.compile(r"""[.!?…׃][\"'”׳״)\]]*(?=\s)|\n""")
# the WHATWG labels that Python's codec registry does not know
_ALIASES = {"iso-8859-8-i": "iso-8859-8", "iso-8859-8-e": "iso-8859-8", "logical": "iso-8859-8",
            "visual": "iso-8859-8", "x-cp1255": "cp1255", "csisolatinhebrew": "iso-8859-8"}
MIN_ARTICLE_CHARS = 40  # menus and cookie banners are not articles
DEFAULT_MAX_CHARS = 200_000  # article text annotated per feed item (longer text is cut)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def replacement_share(text: str) -> float:
    """Share of U+FFFD among the non-space characters."""
    chars = len(text) - sum(c.isspace() for c in text)
    return text.count("\ufffd") / chars if chars else 0.0


def check_not_garbage(text: str, name: str, limit: float = 0.2) -> None:
    """A decoded text that is mostly replacement characters is an error, not an article."""
    share = replacement_share(text)
    if share > limit:
        raise InputError(f"{name}: {share:.0%} of the text is U+FFFD (undecodable): wrong or "
                         f"missing charset declaration")


def decode_page(body: bytes, content_type: str, url: str) -> tuple[str, str]:
    """(text, encoding) of a downloaded page; an InputError when it cannot be decoded."""
    found = _HEADER_CHARSET.search(content_type or "")
    enc = _codec(found.group(1) if found else None)
    has_bom = any(body.startswith(bom) for bom, _ in BOMS)
    if enc is None and not has_bom:
        meta = _META_CHARSET.search(body[:4096])
        enc = _codec(meta.group(1).decode("ascii") if meta else None)
    if enc is None:  # a BOM, or nothing declared: the file reader's rule
        dec = decode(body, url)
        return dec.text, dec.encoding
    text = body.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc


def html_to_text(fragment: str) -> str:
    """An HTML fragment (feed content) -> plain text with paragraph breaks."""
    text = _BLOCK.sub("\n", fragment)
    text = htmllib.unescape(_TAGS.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def extract_article(html: str, url: str) -> dict | None:
    """trafilatura's main text and metadata of an article page, or None when it has no text."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (d.get("text") or "").strip()
    if len(text) < MIN_ARTICLE_CHARS:
        return None
    return {"text": text, "title": d.get("title"), "author": d.get("author"), "date": d.get("date")}


def cap_text(text: str, max_chars: int) -> tuple[str, dict | None]:
    """Text of at most ``max_chars``, cut after the last sentence end (or line break) that fits;
    a word boundary when no sentence ends in the last half. Returns (text, None) when it fits,
    else (cut text, ``{"truncated_at": n, "original_chars": len(text)}`` for ``meta``)."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text, None
    head = text[:max_chars + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() <= max_chars]
    cut = ends[-1] if ends and ends[-1] >= max_chars // 2 else 0
    if not cut:
        space = head.rfind(" ", 0, max_chars + 1)
        cut = space if space > 0 else max_chars
    cut_text = text[:cut].rstrip()
    return cut_text, {"truncated_at": len(cut_text), "original_chars": len(text)}


# ----------------------------------------------------------------------------- local files

_HTML_START = re.compile(r"\A\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_HTML_TAGS = re.compile(r"</?(p|div|span|a|br|h[1-6]|article|section|li|table)\b[^>]*>", re.I)


def looks_like_html(text: str) -> bool:
    """An HTML document, or text that is mostly markup."""
    if _HTML_START.match(text[:2000]):
        return True
    head = text[:20000]
    return len(_HTML_TAGS.findall(head)) >= 5 and head.count("<") > len(head) / 200


def html_document_text(html: str, name: str) -> tuple[str, dict]:
    """Main text of an HTML page (trafilatura; all visible text when it finds no article)."""
    page = extract_article(html, name)
    if page:
        meta = {k: v for k, v in (("title", page["title"]), ("author", page["author"]),
                                  ("published", page["date"])) if v}
        return page["text"], {"input_format": "html", **meta}
    body = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1>", " ", html)
    text = html_to_text(body)
    if not text.strip():
        raise InputError(f"{name}: HTML page without text")
    return text, {"input_format": "html"}


def read_document(path: str, encoding: str = "auto", input_format: str = "auto",
                  opener: Opener | None = None) -> tuple[str, dict]:
    """Text to annotate and the ``meta`` that says where it came from (HTML is extracted)."""
    dec = read_input(path, encoding, opener)
    name = "<stdin>" if path == "-" else path
    if input_format == "html" or (input_format == "auto" and looks_like_html(dec.text)):
        text, extra = html_document_text(dec.text, name)
        return text, {**source_meta(path, dec.encoding), **extra}
    return dec.text, source_meta(path, dec.encoding)
