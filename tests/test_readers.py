import pytest

from hebnews.readers import InputError, decode, is_hebrew_text

HEB = "נשיא רוסיה ולדימיר פוטין נחת באלסקה, ואמר: \"נגיע להסכם\"."


@pytest.mark.parametrize("data,encoding", [
    (HEB.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + HEB.encode("utf-8"), "utf-8"),
    (HEB.encode("utf-16"), "utf-16-le"),  # with a BOM
    (HEB.encode("utf-16-le"), "utf-16-le"),  # without one
    (HEB.encode("utf-16-be"), "utf-16-be"),
    (HEB.encode("cp1255"), "windows-1255"),
    ("שָׁלוֹם עוֹלָם, מה שלומך?".encode("cp1255"), "windows-1255"),  # niqqud exists only in 1255
])
def test_hebrew_encodings_are_detected(data, encoding):
    dec = decode(data, "x")
    assert dec.encoding == encoding
    assert dec.text in (HEB, "שָׁלוֹם עוֹלָם, מה שלומך?")


def test_iso_8859_8_text_decodes_to_the_same_letters():
    dec = decode(HEB.encode("iso8859_8"), "x")
    assert dec.text == HEB and dec.encoding in ("windows-1255", "iso-8859-8")


@pytest.mark.parametrize("data,message", [
    (b"", "empty input"),
    (b"  \n\t ", "empty input"),
    (b"\xef\xbb\xbf", "empty input"),
    (bytes(range(256)) * 8, "binary data"),
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100, "binary data"),
    ("Le café est très bon à Paris.".encode("latin-1"), "not valid UTF-8"),
])
def test_what_cannot_be_read_is_a_one_line_error(data, message):
    with pytest.raises(InputError) as exc:
        decode(data, "in.txt")
    assert message in str(exc.value) and str(exc.value).startswith("in.txt: ")
    assert "\n" not in str(exc.value)


def test_english_text_in_utf8_is_fine():
    assert decode(b"Only English here.", "x").text == "Only English here."


def test_forced_encoding():
    assert decode(HEB.encode("cp1255"), "x", "cp1255").text == HEB
    with pytest.raises(InputError, match="not valid utf-8"):
        decode(HEB.encode("cp1255"), "x", "utf-8")


def test_hebrew_check():
    assert is_hebrew_text(HEB) and not is_hebrew_text("Hello") and not is_hebrew_text("שלום\x01")


def test_html_input_is_detected_and_extracted(tmp_path):
    from hebnews.pages import looks_like_html, read_document

    body = ("<p>נשיא רוסיה ולדימיר פוטין נחת הערב באלסקה לפגישה עם נשיא ארצות הברית.</p>"
            "<p>לדברי הקרמלין, השיחות יימשכו כשש שעות ובסיומן תתקיים מסיבת עיתונאים משותפת.</p>")
    page = (f"<!DOCTYPE html><html><head><meta charset='windows-1255'><title>פסגה</title>"
            f"<script>var x = '<p>לא טקסט</p>';</script></head><body><nav>ראשי | חדשות</nav>"
            f"<article><h1>פוטין נחת באלסקה</h1>{body}</article><footer>כל הזכויות שמורות</footer></body></html>")
    p = tmp_path / "a.html"
    p.write_bytes(page.encode("cp1255"))
    text, meta = read_document(str(p))
    assert "ולדימיר פוטין נחת הערב באלסקה" in text and "var x" not in text and "<p>" not in text
    assert meta["input_format"] == "html" and meta["encoding"] == "windows-1255"
    assert looks_like_html(page) and not looks_like_html("פוטין אמר כי x<y וגם y>z.")
    plain = tmp_path / "b.txt"
    plain.write_text("מחיר < 5 ש\"ח > 3", encoding="utf-8")
    assert read_document(str(plain)) == ("מחיר < 5 ש\"ח > 3", {"source": str(plain)})
    forced, _ = read_document(str(p), input_format="text")
    assert forced.startswith("<!DOCTYPE html>")
