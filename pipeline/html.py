"""HTML view of a document: one self-contained page (no network), right-to-left, phone-friendly.

Entities are highlighted by type (legend at the top, score and type on hover); mentions of the
same entity are linked: hovering or clicking one marks the others. Mentions are grouped by the
document's ``clusters`` when it has them (the quote stage sets them), otherwise by label and
text. Quotes are highlighted with their speaker and cue; the speaker mention and the cue are
marked in the text too. ``render_index`` lists many documents with their counts.
"""
from __future__ import annotations

import html
import json
from collections import Counter

COLORS = {
    "PER": "#ffd6a5", "ORG": "#bde0fe", "GPE": "#caffbf", "LOC": "#9bf6ff", "FAC": "#e4c1f9",
    "EVE": "#ffc6ff", "WOA": "#fdffb6", "ANG": "#d0f4de", "DUC": "#ffadad",
}
LABEL_NAMES = {
    "PER": "אדם", "ORG": "ארגון", "GPE": "ישות גאו-פוליטית", "LOC": "מקום", "FAC": "מבנה",
    "EVE": "אירוע", "WOA": "יצירה", "ANG": "שפה", "DUC": "מוצר",
}

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans Hebrew","Arial Hebrew",Arial,sans-serif;margin:0;padding:1rem;
 line-height:1.9;font-size:1.1rem;color:#1b1b1b;background:#fafafa;max-width:52rem;margin-inline:auto}
header{border-bottom:1px solid #ddd;margin-bottom:1rem}
h1{font-size:1.2rem;margin:.2rem 0}
.meta{font-size:.8rem;color:#555}
.legend{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0;padding:0;list-style:none}
.legend li{padding:0 .5rem;border-radius:.3rem;font-size:.85rem}
.text{white-space:pre-wrap;word-wrap:break-word}
.ent{border-radius:.25rem;padding:0 .1rem;cursor:pointer}
.ent[data-label]::after{content:attr(data-label);font-size:.6rem;vertical-align:super;color:#444;margin-inline-start:.1rem}
.ent.linked{outline:2px solid #d00;}
.ent.selected{outline:3px solid #000;}
.quote{background:#fff3c4;border-bottom:2px solid #e0a800}
.speaker{text-decoration:underline double #b35c00}
.cue{text-decoration:underline wavy #b35c00}
.quotes{margin-top:1.5rem;font-size:.95rem}
.quotes li{margin-bottom:.4rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:start}
@media (max-width:600px){body{font-size:1rem;padding:.6rem}}
"""

JS = """
(function(){
  var ents = document.querySelectorAll('.ent');
  function mark(key, cls, on){
    document.querySelectorAll('.ent[data-group="'+key+'"]').forEach(function(e){
      e.classList.toggle(cls, on);});
  }
  ents.forEach(function(e){
    e.addEventListener('mouseenter', function(){mark(e.dataset.group,'linked',true);});
    e.addEventListener('mouseleave', function(){mark(e.dataset.group,'linked',false);});
    e.addEventListener('click', function(){
      var on = !e.classList.contains('selected');
      document.querySelectorAll('.ent.selected').forEach(function(x){x.classList.remove('selected');});
      if(on){mark(e.dataset.group,'selected',true);}
    });
  });
  // a link to page.html#e3 selects entity e3 and its linked mentions
  var target = location.hash && document.querySelector('.ent[data-id="'+location.hash.slice(1)+'"]');
  if(target){target.click(); target.scrollIntoView({block:'center'});}
  document.body.dataset.direction = getComputedStyle(document.querySelector('.text')).direction;
})();
"""


def _groups(doc: dict) -> dict[str, str]:
    """entity id -> group key (cluster id when the document has clusters)."""
    out = {}
    for e in doc.get("entities", []):
        out[e["id"]] = e.get("cluster") or f"{e['label']}:{e['text']}"
    return out


def _events(doc: dict):
    """Boundaries of every highlighted span: (offset, kind, item)."""
    spans = []
    for e in doc.get("entities", []):
        spans.append(("ent", e["start"], e["end"], e))
    for q in doc.get("quotes", []):
        spans.append(("quote", q["start"], q["end"], q))
        if q.get("cue"):
            spans.append(("cue", q["cue"]["start"], q["cue"]["end"], q))
        mention = (q.get("speaker") or {}).get("mention")
        if mention:
            spans.append(("speaker", mention["start"], mention["end"], q))
    return spans


def _render_text(doc: dict) -> str:
    text = doc["text"]
    spans = _events(doc)
    cuts = sorted({0, len(text)} | {s for _, s, _, _ in spans} | {e for _, _, e, _ in spans})
    groups = _groups(doc)
    starts: dict[int, list] = {}
    for sp in spans:
        starts.setdefault(sp[1], []).append(sp)
    active: list = []  # sweep line: the spans covering the current segment
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        active = [sp for sp in active if sp[2] > a] + [sp for sp in starts.get(a, []) if sp[2] > a]
        piece = html.escape(text[a:b])
        active_items = [(k, item) for k, _, _, item in active]
        # innermost last: quote, then speaker/cue, then entity
        for kind in ("ent", "speaker", "cue", "quote"):
            for k, item in active_items:
                if k != kind:
                    continue
                if k == "ent":
                    first = a == item["start"]
                    label = item["label"]
                    attrs = (f' class="ent" style="background:{COLORS.get(label, "#eee")}"'
                             f' data-id="{item["id"]}" data-group="{html.escape(groups[item["id"]])}"'
                             f' title="{label} · {LABEL_NAMES.get(label, label)} · '
                             f'score {item.get("score", 0):.2f}"')
                    if b == item["end"]:
                        attrs += f' data-label="{label}"'
                    if not first:
                        attrs += ' data-cont="1"'
                    piece = f"<span{attrs}>{piece}</span>"
                elif k == "quote":
                    who = (item.get("speaker") or {}).get("text") or "דובר לא ידוע"
                    piece = (f'<span class="quote" data-id="{item["id"]}" '
                             f'title="ציטוט · {html.escape(who)}">{piece}</span>')
                else:
                    piece = f'<span class="{k}">{piece}</span>'
        parts.append(piece)
    return "".join(parts)


def render_html(doc: dict) -> str:
    """A complete HTML page for one ``hebnews.document/1`` dict."""
    meta = doc.get("meta", {})
    title = meta.get("title") or meta.get("source") or "hebnews"
    counts = Counter(e["label"] for e in doc.get("entities", []))
    legend = "".join(
        f'<li style="background:{COLORS.get(lab, "#eee")}">{lab} · {LABEL_NAMES.get(lab, lab)}'
        f' ({counts[lab]})</li>' for lab in COLORS)
    quotes = ""
    if doc.get("quotes"):
        items = []
        for q in doc["quotes"]:
            who = (q.get("speaker") or {}).get("text") or "—"
            cue = (q.get("cue") or {}).get("text") or "—"
            items.append(f'<li><b>{html.escape(who)}</b> ({html.escape(cue)}): '
                         f'“{html.escape(q["text"])}”</li>')
        quotes = f'<section class="quotes"><h2>ציטוטים</h2><ol>{"".join(items)}</ol></section>'
    info = html.escape(f'{meta.get("model", "")} {meta.get("version", "")}'.strip())
    return f"""<!DOCTYPE html>
<html lang="he" dir="rtl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(str(title))}</title><style>{CSS}</style></head>
<body>
<header><h1>{html.escape(str(title))}</h1>
<div class="meta">{len(doc.get("sentences", []))} משפטים · {len(doc.get("tokens", []))} מילים ·
{len(doc.get("entities", []))} ישויות · {len(doc.get("quotes", []))} ציטוטים · {info}</div>
<ul class="legend">{legend}<li class="quote">ציטוט</li></ul></header>
<main class="text" dir="rtl">{_render_text(doc)}</main>
{quotes}
{DOCUMENT_SCRIPT}{_json_for_script(doc)}</script>
<script>{JS}</script>
</body></html>
"""


DOCUMENT_SCRIPT = '<script type="application/json" id="hebnews-document">'  # the page's document


def page_document(page: str) -> str | None:
    """The JSON of the document a page of :func:`render_html` holds (None: no such page). No
    "<" is written inside it (:func:`_json_for_script`), so the first "</script>" ends it."""
    start = page.find(DOCUMENT_SCRIPT)
    end = page.find("</script>", start + len(DOCUMENT_SCRIPT)) if start >= 0 else -1
    return page[start + len(DOCUMENT_SCRIPT):end] if end >= 0 else None


def _json_for_script(doc: dict) -> str:
    """The document as JSON that no text in it can end or bend the script element: every < is
    written \\u003c (a "</script>" would end it, a "<!--<script>" would keep the real end tag
    from ending it and the rest of the page would be script)."""
    return json.dumps(doc, ensure_ascii=False).replace("<", "\\u003c")


def render_index(rows: list[dict]) -> str:
    """rows: {"href", "source", "sentences", "entities", "quotes"} per document."""
    body = "".join(
        f'<tr><td><a href="{html.escape(r["href"])}">{html.escape(str(r["source"]))}</a></td>'
        f'<td>{r["sentences"]}</td><td>{r["entities"]}</td><td>{r["quotes"]}</td></tr>'
        for r in rows)
    return f"""<!DOCTYPE html>
<html lang="he" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>hebnews</title>
<style>{CSS}</style></head><body>
<header><h1>hebnews · {len(rows)} מסמכים</h1></header>
<table><thead><tr><th>מסמך</th><th>משפטים</th><th>ישויות</th><th>ציטוטים</th></tr></thead>
<tbody>{body}</tbody></table></body></html>
"""
