import json
import re
import shutil
import subprocess

import pytest

from hebnews.document import validate
from hebnews.html import render_html, render_index
from hebnews.writers import to_conll

TEXT = 'נשיא רוסיה ולדימיר פוטין נחת באלסקה. "נגיע להסכם", אמר פוטין. <b>לא תג</b> & סוף.'


def doc():
    def ent(i, s, e, label, cluster=None):
        d = {"id": f"e{i}", "start": s, "end": e, "text": TEXT[s:e], "label": label, "score": 0.9}
        return d
    p1 = TEXT.index("ולדימיר פוטין")
    p2 = TEXT.rindex("פוטין")
    q = TEXT.index("נגיע להסכם")
    cue = TEXT.index("אמר")
    data = {
        "schema": "hebnews.document/1", "text": TEXT, "meta": {"source": "t.txt", "model": "m", "version": "0"},
        "sentences": [{"start": 0, "end": len(TEXT)}], "tokens": [],
        "entities": [ent(1, TEXT.index("רוסיה"), TEXT.index("רוסיה") + 5, "GPE"),
                     ent(2, p1, p1 + len("ולדימיר פוטין"), "PER"),
                     ent(3, TEXT.index("אלסקה"), TEXT.index("אלסקה") + 5, "GPE"),
                     ent(4, p2, p2 + 5, "PER")],
        "quotes": [{"id": "q1", "start": q, "end": q + len("נגיע להסכם"), "text": "נגיע להסכם", "score": 0.9,
                    "speaker": {"text": "ולדימיר פוטין", "entity": "e2",
                                "mention": {"start": p2, "end": p2 + 5, "text": "פוטין"}},
                    "cue": {"start": cue, "end": cue + 3, "text": "אמר"}}],
    }
    data["entities"][1]["cluster"] = data["entities"][3]["cluster"] = "c1"
    return data


def test_page_is_self_contained_and_escaped():
    page = render_html(doc())
    assert 'dir="rtl"' in page and "<b>לא תג</b>" not in page and "&lt;b&gt;" in page
    assert not re.search(r"(src|href)=\"https?:", page)  # no network
    assert page.count('class="ent"') == 4 and 'class="quote"' in page and 'class="cue"' in page
    embedded = re.search(r'<script type="application/json" id="hebnews-document">(.*?)</script>', page, re.S)
    assert json.loads(embedded.group(1))["text"] == TEXT


def test_index_lists_documents():
    page = render_index([{"href": "a.html", "source": "a.txt", "sentences": 3, "entities": 5, "quotes": 1}])
    assert 'href="a.html"' in page and "<td>5</td>" in page


def test_conll_has_bioes_tags_per_token():
    from hebnews.document import Document, Entity, SentenceSpan, TokenSpan

    text = "נשיא רוסיה ולדימיר פוטין נחת באלסקה."
    toks, pos = [], 0
    for w in ["נשיא", "רוסיה", "ולדימיר", "פוטין", "נחת", "באלסקה", "."]:
        s = text.index(w, pos)
        toks.append(TokenSpan(s, s + len(w), w, 0))
        pos = s + len(w)
    a = text.index("אלסקה")
    d = Document(text, {"source": "x"}, [SentenceSpan(0, len(text))], toks,
                 [Entity("e1", 5, 10, "רוסיה", "GPE", 0.9, 5),
                  Entity("e2", 11, 24, "ולדימיר פוטין", "PER", 0.9, 11),
                  Entity("e3", a, a + 5, "אלסקה", "GPE", 0.9, a - 1)])
    validate(d.to_dict())
    rows = [ln.split("\t") for ln in to_conll(d.to_dict()).splitlines() if ln and not ln.startswith("#")]
    assert rows == [["נשיא", "O"], ["רוסיה", "S-GPE"], ["ולדימיר", "B-PER"], ["פוטין", "E-PER"],
                    ["נחת", "O"], ["באלסקה", "S-GPE"], [".", "O"]]


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    return exe


def test_page_in_a_real_browser(chromium, tmp_path):
    page = tmp_path / "doc.html"
    page.write_text(render_html(doc()), encoding="utf-8")
    url = page.as_uri() + "#e2"  # selects ולדימיר פוטין and its linked mention
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p1'}",
                          "--virtual-time-budget=3000", "--dump-dom", url],
                         capture_output=True, timeout=120).stdout.decode()
    assert 'data-direction="rtl"' in dom  # computed direction of the text, set by the page's JS
    assert dom.count('class="ent') == 4 and 'class="quote"' in dom
    selected = re.findall(r'class="ent selected"[^>]*data-id="(e\d)"', dom)
    assert sorted(selected) == ["e2", "e4"]  # the cluster's two mentions, nothing else
    shot = tmp_path / "doc.png"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--window-size=412,900",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 5000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_to_spacy():
    pytest.importorskip("spacy", reason="spaCy is an optional extra (pip install '.[spacy]')")
    from hebnews import to_spacy
    from hebnews.document import Document, Entity, SentenceSpan, TokenSpan

    text = "פוטין נחת באלסקה."
    d = Document(text, {}, [SentenceSpan(0, len(text))],
                 [TokenSpan(0, 5, "פוטין", 0), TokenSpan(6, 9, "נחת", 0), TokenSpan(10, 16, "באלסקה", 0),
                  TokenSpan(16, 17, ".", 0)],
                 [Entity("e1", 0, 5, "פוטין", "PER", 0.9, 0), Entity("e2", 11, 16, "אלסקה", "GPE", 0.9, 10)])
    sdoc = to_spacy(d)
    assert [t.text for t in sdoc] == ["פוטין", "נחת", "באלסקה", "."]
    assert [(e.text, e.label_) for e in sdoc.ents] == [("פוטין", "PER"), ("באלסקה", "GPE")]
