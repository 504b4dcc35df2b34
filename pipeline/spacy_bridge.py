"""``to_spacy(doc)``: a hebnews document as a spaCy ``Doc`` (optional: needs ``pip install '.[spacy]'``)."""
from __future__ import annotations


def to_spacy(doc, nlp=None):
    """Tokens become spaCy tokens (whitespace from the original text), entities ``doc.ents``.

    ``doc`` is a :class:`hebnews.document.Document` or its dict. Entity character spans are
    prefix-free, so they can start inside a token (באלסקה → אלסקה); such an entity is aligned
    with ``alignment_mode="expand"`` to its whole token, as spaCy spans must be token-aligned.
    """
    try:
        import spacy
        from spacy.tokens import Doc
    except ImportError as exc:
        raise ImportError("to_spacy needs spaCy: pip install 'hebnews[spacy]'") from exc
    data = doc if isinstance(doc, dict) else doc.to_dict()
    text, toks = data["text"], data["tokens"]
    nlp = nlp or spacy.blank("he")
    words = [t["text"] for t in toks]
    spaces = [bool(toks[i + 1]["start"] > t["end"]) if i + 1 < len(toks) else False
              for i, t in enumerate(toks)]
    sdoc = Doc(nlp.vocab, words=words, spaces=spaces)
    # spaCy offsets are into its own text (tokens joined by single spaces): map via token index
    start_of = {t["start"]: i for i, t in enumerate(toks)}
    end_of = {t["end"]: i for i, t in enumerate(toks)}
    ents = []
    for e in data["entities"]:
        a = start_of.get(e.get("token_start", e["start"]))
        b = end_of.get(e["end"])
        if a is None or b is None:
            continue
        span = sdoc[a:b + 1]
        ents.append(sdoc.char_span(span.start_char, span.end_char, label=e["label"],
                                   alignment_mode="expand"))
    sdoc.ents = [s for s in ents if s is not None]
    sdoc.user_data["hebnews_text"] = text
    return sdoc
