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
