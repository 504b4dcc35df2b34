"""hebnews report: one self-contained RTL page, checked as a file and in headless Chromium (the
charts, the quote list and the gender shares in the DOM; screenshots at desktop and phone width)."""
import html
import json
import re
import subprocess

import pytest

from hebnews.store import Store
from hebnews.store.report import gather, render_report

from .storedocs import corpus
from .test_html import CHROMIUM_FLAGS, chromium  # noqa: F401  (the browser fixture)


@pytest.fixture
def report(tmp_path):
    """The report of the four hand-made articles, written by the command."""
    from hebnews.cli import main

    db = tmp_path / "news.db"
    with Store.open(db) as s:
        for doc in corpus():
            s.add(doc)
    out = tmp_path / "site" / "report.html"
    assert main(["report", "--db", str(db), "-o", str(out)]) == 0
    return out


def test_report_is_one_self_contained_page(report):
    page = report.read_text("utf-8")
    assert '<html lang="he" dir="rtl">' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    links = re.findall(r'<a class="article" href="([^"]+)"', page)
    assert len(links) == 4 and all((report.parent / link).is_file() for link in links)
    first = (report.parent / links[0]).read_text("utf-8")
    assert 'id="hebnews-document"' in first  # the page `hebnews view` makes


def test_report_of_an_empty_store(tmp_path):
    with Store.open(tmp_path / "empty.db") as s:
        page = render_report(gather(s.db), {})
    assert page.count('class="empty"') == 3 and "<svg" not in page


def _probe(chromium, tmp_path, report, width: int) -> dict:  # noqa: F811
    """Layout facts of the report in an iframe ``width`` pixels wide, read by a probe page."""
    probe = report.parent / f"probe-{width}.html"
    probe.write_text(f"""<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{report.name}" style="width:{width}px;height:1200px;border:0"></iframe>
<script>document.getElementById('f').onload = function() {{
  var d = this.contentDocument, html = d.documentElement;
  var out = {{dir: getComputedStyle(d.body).direction, scroll: html.scrollWidth, client: html.clientWidth,
    charts: Array.from(d.querySelectorAll('figure.chart svg')).map(function(s) {{
      return Math.round(s.getBoundingClientRect().width); }})}};
  document.body.setAttribute('data-probe', JSON.stringify(out));
}};</script></body></html>""", encoding="utf-8")
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'probe{width}'}",
                          "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom",
                          probe.as_uri()], capture_output=True, timeout=120).stdout.decode()
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_report_in_a_real_browser(chromium, tmp_path, report):  # noqa: F811
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p1'}",
                          "--virtual-time-budget=3000", "--dump-dom", report.as_uri()],
                         capture_output=True, timeout=120).stdout.decode()
    mentions = re.search(r'<figure class="chart" id="mentions-chart".*?</figure>', dom, re.S).group(0)
    assert "<svg" in mentions and "דונלד טראמפ (PER)" in mentions and mentions.count('class="line ') >= 8
    gender = re.search(r'<figure class="chart" id="gender-chart".*?</figure>', dom, re.S).group(0)
    assert "<svg" in gender and all(n in gender for n in ("נשים", "גברים", "לא ידוע"))
    people = re.findall(r'<li class="person" data-quotes="(\d+)"><h3>([^<]+?) <', dom)
    assert people[0] == ("2", "וולודימיר זלנסקי") and len(people) == 4
    assert "לא נוותר על שטחים" in dom and dom.count('<li class="quote"') == 5
    shares = {(day, g): float(s) for day, row in re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', dom, re.S)
              for g, s in re.findall(r'data-gender="(\w+)" data-count="\d+" data-share="([\d.]+)"', row)}
    assert shares[("2025-08-15", "female")] == shares[("2025-08-15", "male")] == 0.25
    assert shares[("2025-08-15", "unknown")] == 0.5 and shares[("2025-08-14", "male")] == 1.0
    for width, name in ((1280, "desktop"), (412, "phone")):
        shot = tmp_path / f"report-{name}.png"
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / name}",
                        f"--window-size={width},2400", f"--screenshot={shot}", report.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000
        laid = _probe(chromium, tmp_path, report, width)
        assert laid["dir"] == "rtl" and laid["scroll"] <= laid["client"]  # no sideways scrolling
        shown = [w for w in laid["charts"] if w > 0]  # each chart is drawn twice: wide and phone
        assert len(laid["charts"]) == 4 and len(shown) == 2
        assert all(w > 0.8 * min(width, 960) - 60 for w in shown)


# what a hostile (or broken) document may carry into the page: markup in a title, a name and a
# quote, a comment that opens a script's double-escaped state, bidi overrides, terminal escapes,
# control characters, a quote of 200,000 characters and a "word" of 5,000 with no space
MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)><!--<script>'
ODD = "\u202e\u2066\x1b[2J\x00\x07\u200d👩‍👩‍👧 ב\u05bcְ\u2028"


def hostile_store(path):
    from .storedocs import Article

    a = Article("news/<b>evil</b>.txt", day="2025-08-20", title=MARKUP + ODD + "כותרת " * 400)
    who = a.ent("<b>מרדכי</b>" + ODD + "כהן")
    a.say(MARKUP + ODD)
    a.quote("בלה " * 50000, who, cue="אמר", gender="female")
    a.quote(MARKUP + ODD + "א" * 5000, who, gender="male")
    with Store.open(path) as s:
        for doc in corpus() + [a.build()]:
            assert s.add(doc) == "added"


def test_a_hostile_document_cannot_break_the_report(chromium, tmp_path):  # noqa: F811
    from hebnews.cli import main
    from hebnews.normalize import BIDI_CONTROLS

    hostile_store(tmp_path / "news.db")
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(tmp_path / "news.db"), "-o", str(out)]) == 0
    page = out.read_text("utf-8")
    assert "<script" not in page and "<img" not in page and "<b>" not in page and "<!--" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert not any(ch in page for ch in BIDI_CONTROLS + "\x00\x07\x1b")  # nothing turns the page around
    assert "👩‍👩‍👧" in page and "ב\u05bcְ" in page  # the rest of the odd text is kept
    assert len(page) < 300_000 and "בלה " * 140 in page and "בלה " * 160 not in page  # cut, with …
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p1'}",
                          "--virtual-time-budget=3000", "--dump-dom", out.as_uri()],
                         capture_output=True, timeout=120).stdout.decode()
    assert "<img" not in dom and "<script" not in dom and dom.count('<li class="quote"') == 7
    assert len(re.findall(r'<li class="person"', dom)) == 5 and "מרדכי" in dom
    assert 'id="articles"' in dom and dom.count('<a class="article"') == 5  # the page ends whole
    phone = _probe(chromium, tmp_path, out, 412)
    assert phone["scroll"] <= phone["client"]  # the long word wraps: no sideways scrolling
    article = re.search(r'<a class="article" href="([^"]+)">&lt;script', dom).group(1)
    shown = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p2'}",
                            "--virtual-time-budget=3000", "--dump-dom", (tmp_path / article).as_uri()],
                           capture_output=True, timeout=120).stdout.decode()
    assert 'data-direction="rtl"' in shown and "<img" not in shown  # its page's script ran: not cut short
    data = re.search(r'id="hebnews-document">(.*?)</script>', (tmp_path / article).read_text("utf-8"), re.S)
    assert json.loads(data.group(1))["meta"]["title"].startswith(MARKUP + ODD)  # its JSON reads back whole


def test_a_hostile_document_cannot_reach_the_terminal(tmp_path, capsys):
    from hebnews.cli import main
    from hebnews.normalize import BIDI_CONTROLS

    hostile_store(tmp_path / "news.db")
    capsys.readouterr()
    assert main(["quotes", "--db", str(tmp_path / "news.db"), "--speaker", "כהן"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(ln.startswith("\u200f") for ln in lines)  # heading, rule, 2 quotes
    assert not any(ch in ln[1:] for ln in lines for ch in BIDI_CONTROLS + "\x00\x07\x1b\u2028")
    assert "&lt;" not in lines[3] and MARKUP in lines[3]  # the words as they are, only without controls
    assert main(["quotes", "--db", str(tmp_path / "news.db"), "--speaker", "כהן", "--format", "jsonl"]) == 0
    rows = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert rows[1]["quote"] == MARKUP + ODD + "א" * 5000  # scripts get them exactly
