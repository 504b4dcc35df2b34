"""``hebnews report``: one self-contained right-to-left HTML page about what the store holds.

* entity mentions per day for the most mentioned names (a line chart);
* the most quoted people, each with their quotes and a link to the article;
* the share of quotes by the speaker's gender (female, male, unknown) per day (stacked bars) and
  in a table;
* the articles, each linked to its page.

The article pages are the ones ``hebnews view`` makes (:func:`hebnews.html.render_html`),
written beside the report from the documents the store keeps: ``REPORT-articles/<name>.html``
for ``-o REPORT.html``. Charts are inline SVG; the page loads nothing from anywhere.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import queries
from .charts import gender_chart, mentions_chart
from .schema import load_blob
from .table import display

GENDER_NAMES = {"female": "נשים", "male": "גברים", "unknown": "לא ידוע"}
LABEL_NAMES = {"PER": "אדם", "ORG": "ארגון", "GPE": "גאו-פוליטי", "LOC": "מקום", "FAC": "מבנה",
               "EVE": "אירוע", "WOA": "יצירה", "ANG": "שפה", "DUC": "מוצר"}
QUOTES_SHOWN, QUOTES_MORE = 5, 45  # per person: shown, and behind "more" (the rest: their articles)
# the most characters of a document's words the page shows in one place (the article's page
# has them whole): a quote, a title or source, a name or cue
QUOTE_CHARS, TITLE_CHARS, NAME_CHARS = 600, 200, 80

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans Hebrew","Arial Hebrew",Arial,sans-serif;margin:0 auto;padding:1rem;
 line-height:1.7;color:#1b1b1b;background:#fafafa;max-width:60rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:2px solid #ddd}
h3{font-size:1.05rem;margin:.8rem 0 .2rem}
.meta{color:#555;font-size:.9rem}
figure.chart{margin:.5rem 0;background:#fff;border:1px solid #e3e3e3;border-radius:.4rem;padding:.3rem}
figure.chart svg{width:100%;height:auto;display:block}
figure.chart .narrow{display:none}
ul.legend{list-style:none;margin:.2rem .5rem;padding:0;display:flex;flex-wrap:wrap;gap:.1rem 1.2rem;font-size:.9rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:.15rem;margin-inline-end:.35rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
td,th{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:start;vertical-align:top}
td.num,th.num{text-align:end;white-space:nowrap;font-variant-numeric:tabular-nums}
ol.people{padding-inline-start:1.4rem}
.count{font-weight:normal;color:#555;font-size:.9rem}
ul.quotes{list-style:none;padding:0;margin:0}
ul.quotes li{background:#fff;border-inline-start:4px solid #e0a800;padding:.3rem .6rem;margin:.3rem 0}
.cue{color:#7a4a00}.src{font-size:.85rem;color:#555}.day{white-space:nowrap}
.g-female{color:#c2185b}.g-male{color:#1565c0}.g-unknown{color:#757575}
details summary{cursor:pointer;color:#1565c0}
a{color:#0b57d0}
@media (max-width:600px){body{padding:.5rem;font-size:.95rem}table{font-size:.85rem}
 figure.chart .wide{display:none}figure.chart .narrow{display:block}}
"""


@dataclass
class Report:
    since: str | None
    days: list[str] = field(default_factory=list)
    top: list[dict] = field(default_factory=list)
    mentions: dict = field(default_factory=dict)
    quoted: list[tuple[str, list[dict]]] = field(default_factory=list)
    gender: dict[str, dict[str, int]] = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)
    quotes: int = 0


MAX_DAYS = 400  # a continuous day axis up to about a year


def day_range(days) -> list[str]:
    """Every day from the first to the last of ``days``; when they span more than MAX_DAYS (a
    stray 1970 date beside this year's), only the days that have documents."""
    days = sorted(set(days))
    if not days:
        return []
    first, last = dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])
    if (last - first).days + 1 > MAX_DAYS:
        return days
    return [(first + dt.timedelta(n)).isoformat() for n in range((last - first).days + 1)]


def gather(db, since: str | None = None, top_names: int = 8, top_people: int = 10) -> Report:
    r = Report(since)
    r.documents = queries.documents(db, since)
    r.days = day_range(d["day"] for d in r.documents)
    r.top = queries.entity_rows(db, top_names, since=since)
    r.mentions = queries.mentions_per_day(db, [(t["name"], t["label"]) for t in r.top], since)
    quotes = queries.quote_rows(db, since=since)
    r.quotes = len(quotes)
    by_person: dict[str, list[dict]] = {}
    for q in quotes:
        if q["person"]:
            by_person.setdefault(q["person"], []).append(q)
    r.quoted = sorted(by_person.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top_people]
    r.gender = queries.gender_per_day(db, since)
    return r


def page_name(key: str) -> str:
    """The file name of a document's page beside the report (stable across runs)."""
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16] + ".html"


def _e(value, limit: int | None = None) -> str:
    """A document's words in the page: escaped, without control and bidi control characters,
    at most ``limit`` characters."""
    return html.escape(display(value, limit))


def _mentions_section(r: Report) -> str:
    if not r.top:
        return '<section id="mentions"><h2>אזכורים ביום</h2><p class="empty">אין ישויות.</p></section>'
    series = [(display(f'{t["name"]} ({t["label"]})', NAME_CHARS), [r.mentions[(t["name"], t["label"])].get(d, 0) for d in r.days])
              for t in r.top]
    rows = "".join(f'<tr class="top-name"><td>{_e(t["name"], NAME_CHARS)}</td>'
                   f'<td>{_e(LABEL_NAMES.get(t["label"], t["label"]), NAME_CHARS)}'
                   f'</td><td class="num">{t["mentions"]}</td><td class="num">{t["documents"]}</td></tr>'
                   for t in r.top)
    return (f'<section id="mentions"><h2>אזכורים ביום: {len(r.top)} השמות המובילים</h2>'
            f'<figure class="chart" id="mentions-chart" dir="ltr">{mentions_chart(r.days, series)}</figure>'
            '<table class="top-names"><thead><tr><th>שם</th><th>סוג</th><th class="num">אזכורים</th>'
            f'<th class="num">כתבות</th></tr></thead><tbody>{rows}</tbody></table></section>')


def _quote_item(q: dict, pages: dict[str, str]) -> str:
    href = pages.get(q["document"])
    where = _e(q["title"] or q["source"] or q["document"], TITLE_CHARS)
    link = f'<a href="{_e(href)}">{where}</a>' if href else where
    cue = f' <span class="cue">({_e(q["cue"], NAME_CHARS)})</span>' if q["cue"] else ""
    return (f'<li class="quote" data-gender="{_e(q["gender"] or "unknown")}">“{_e(q["quote"], QUOTE_CHARS)}”{cue} '
            f'<span class="src">· <span class="day">{_e(q["day"])}</span> · {link}</span></li>')


def _quotes_count(n: int) -> str:
    return "ציטוט אחד" if n == 1 else f"{n} ציטוטים"


def _not_shown(n: int) -> str:
    return f'<p class="not-shown">ועוד {n} ציטוטים בכתבות עצמן.</p>' if n > 0 else ""


def _quoted_section(r: Report, pages: dict[str, str]) -> str:
    if not r.quoted:
        return '<section id="quoted"><h2>המצוטטים ביותר</h2><p class="empty">אין ציטוטים של אנשים.</p></section>'
    people = []
    for name, quotes in r.quoted:
        shown = "".join(_quote_item(q, pages) for q in quotes[:QUOTES_SHOWN])
        more = ""
        if len(quotes) > QUOTES_SHOWN:
            rest = "".join(_quote_item(q, pages) for q in quotes[QUOTES_SHOWN:QUOTES_SHOWN + QUOTES_MORE])
            more = (f'<details><summary>עוד {len(quotes) - QUOTES_SHOWN}</summary><ul class="quotes">{rest}</ul>'
                    f'{_not_shown(len(quotes) - QUOTES_SHOWN - QUOTES_MORE)}</details>')
        people.append(f'<li class="person" data-quotes="{len(quotes)}"><h3>{_e(name, NAME_CHARS)} '
                      f'<span class="count">· {_quotes_count(len(quotes))}</span></h3>'
                      f'<ul class="quotes">{shown}</ul>{more}</li>')
    return f'<section id="quoted"><h2>המצוטטים ביותר</h2><ol class="people">{"".join(people)}</ol></section>'


def _share_cells(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return "".join(f'<td class="num g-{g}" data-gender="{g}" data-count="{counts[g]}" '
                   f'data-share="{counts[g] / total if total else 0:.4f}"><span dir="ltr">{counts[g]} '
                   f'({100 * counts[g] / total if total else 0:.0f}%)</span></td>' for g in GENDER_NAMES)


def _gender_section(r: Report) -> str:
    if not r.gender:
        return '<section id="gender"><h2>ציטוטים לפי מגדר הדובר</h2><p class="empty">אין ציטוטים.</p></section>'
    days = [d for d in r.days if d in r.gender]
    shares = {g: [100 * r.gender[d][g] / max(1, sum(r.gender[d].values())) for d in days] for g in GENDER_NAMES}
    total = {g: sum(c[g] for c in r.gender.values()) for g in GENDER_NAMES}
    rows = "".join(f'<tr data-day="{d}"><td>{d}</td>{_share_cells(r.gender[d])}</tr>' for d in days)
    heads = "".join(f'<th class="num g-{g}">{n}</th>' for g, n in GENDER_NAMES.items())
    return (f'<section id="gender"><h2>ציטוטים לפי מגדר הדובר</h2>'
            f'<figure class="chart" id="gender-chart" dir="ltr">{gender_chart(days, shares, GENDER_NAMES)}</figure>'
            f'<table id="gender-shares"><thead><tr><th>יום</th>{heads}</tr></thead><tbody>{rows}'
            f'<tr class="total" data-day="all"><th>הכול</th>{_share_cells(total)}</tr></tbody></table></section>')


def _documents_section(r: Report, pages: dict[str, str]) -> str:
    rows = "".join(
        f'<tr><td class="num">{_e(d["day"])}</td><td><a class="article" href="{_e(pages[d["key"]])}">'
        f'{_e(d["title"] or d["source"] or d["key"], TITLE_CHARS)}</a></td><td class="num">{d["entities"]}</td>'
        f'<td class="num">{d["quotes"]}</td></tr>' for d in r.documents if d["key"] in pages)
    return ('<section id="articles"><h2>כתבות</h2><table><thead><tr><th class="num">יום</th><th>כתבה</th>'
            f'<th class="num">ישויות</th><th class="num">ציטוטים</th></tr></thead><tbody>{rows}</tbody></table></section>')


def render_report(r: Report, pages: dict[str, str]) -> str:
    """The page; ``pages``: document key -> the href of its page."""
    span = "—" if not r.days else r.days[0] if len(r.days) == 1 else f"{r.days[0]} – {r.days[-1]}"
    people = sum(1 for t in r.top if t["label"] == "PER")
    return f"""<!DOCTYPE html>
<html lang="he" dir="rtl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hebnews · דוח</title><style>{CSS}</style></head>
<body>
<header><h1>hebnews · דוח החדשות</h1>
<div class="meta">{len(r.documents)} כתבות · {r.quotes} ציטוטים · {len(r.quoted)} מצוטטים ·
{people} אנשים בין השמות המובילים · {span}{f" · מאז {_e(r.since)}" if r.since else ""}</div></header>
{_mentions_section(r)}
{_quoted_section(r, pages)}
{_gender_section(r)}
{_documents_section(r, pages)}
</body></html>
"""


def _regular_or_new(path: Path) -> None:
    """An OSError unless ``path`` is a regular file (a link followed) or not there."""
    if path.exists() and not path.is_file():
        raise OSError(errno.EINVAL, "not a regular file", str(path))


def write_report(db, out: Path, since: str | None = None) -> int:
    """The report at ``out`` and the article pages beside it; the number of pages written."""
    from ..html import render_html
    from ..writers import atomic_write_text

    r = gather(db, since)
    folder = out.with_name(out.stem + "-articles")
    pages = {}
    for d in r.documents:
        blob = db.execute("SELECT document FROM documents WHERE id=?", (d["doc"],)).fetchone()[0]
        name = page_name(d["key"])
        _regular_or_new(folder / name)  # a FIFO put there would block, a device swallow it
        atomic_write_text(folder / name, render_html(load_blob(blob)))
        pages[d["key"]] = f"{quote(os.fsencode(folder.name))}/{name}"  # a name's bytes, not UTF-8 too
    atomic_write_text(out, render_report(r, pages))
    return len(pages)
