from hebnews.normalize import normalize


def test_fast_path_is_identity_map_and_folds_lookalikes():
    text = "ארה״ב נגד צה\"ל, אנקורג׳ – “שלום” בין־משרדית\u00a0כאן"
    nt = normalize(text)
    assert nt.original == text
    assert len(nt.text) == len(text)
    assert 'ארה"ב' in nt.text and "אנקורג'" in nt.text
    assert '"שלום"' in nt.text and "בין-משרדית" in nt.text and "משרדית כאן" in nt.text
    assert "–" in nt.text  # an en dash separates clauses; it is not folded into a hyphen


def test_removed_marks_map_back_exactly():
    text = "\ufeffפוטין\u200f נחת\r\nבאלסקה\u200d."
    nt = normalize(text)
    assert nt.text == "פוטין נחת\nבאלסקה."
    # every working character maps to the same character (or its fold) in the original
    for i, ch in enumerate(nt.text):
        s, e = nt.to_original(i, i + 1)
        assert text[s:e] == ch or (ch == "\n" and text[s:e] == "\r\n")
    w = nt.text.index("באלסקה")
    s, e = nt.to_original(w, w + len("באלסקה"))
    assert text[s:e] == "באלסקה"
    s, e = nt.to_original(0, len(nt.text))
    assert (s, e) == (1, len(text))  # the BOM before is outside, the ZWJ inside is covered


def test_mark_inside_a_word_is_covered_by_the_span():
    text = "טראמ\u200fפ"
    nt = normalize(text)
    assert nt.text == "טראמפ"
    assert nt.to_original(0, 5) == (0, 6)


def test_empty_text():
    nt = normalize("")
    assert nt.text == "" and nt.to_original(0, 0) == (0, 0)
