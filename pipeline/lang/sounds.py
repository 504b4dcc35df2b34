"""How names are written across scripts (:mod:`hebnews.translit`, :mod:`hebnews.crossscript`):
the sound classes of Hebrew and Latin letters. Split from :mod:`hebnews.lang.he` (which holds the
rest of the language's constants)."""
import re

# ----------------------------------------------------------------------------- transliteration
# How names are written across scripts (hebnews.translit): each Hebrew letter and each Latin
# letter or letter group stands for one of a few coarse sound classes. Consonants: P covers p, f
# and ph (פ), K covers k, q, c, ck, kh and ch (כ ק ח), V covers v and w (ו, וו, ב), SH covers
# sh, sch, sz and s (ש), C is ts, tz and z (צ), CH is ch (צ'). Vowels: A (a, e, o, u: א ע ה),
# I (i, e, y: י), O (o, u, w: ו). A Hebrew letter always stands for something (a vowel letter
# for a vowel the Latin spelling writes: Putin / פוטין, not Series / סרזו); a Latin vowel may
# stand for nothing (Hebrew leaves most vowels out: Trump / טראמפ, Force / פרס).
# (each value: the classes a letter may stand for, "-" for nothing, "+" between the classes of a
# group that writes two sounds: x is k + s)
HEBREW_SOUNDS = {
    "א": "A", "ב": "B V", "ג": "G", "ד": "D", "ה": "H A", "ו": "V O", "ז": "Z", "ח": "K H", "ט": "T",
    "י": "Y I", "כ": "K", "ך": "K", "ל": "L", "מ": "M", "ם": "M", "נ": "N", "ן": "N", "ס": "S",
    "ע": "A", "פ": "P", "ף": "P", "צ": "C", "ץ": "C", "ק": "K", "ר": "R", "ש": "S SH", "ת": "T",
}
# a letter with a geresh writes a foreign sound (ג'ורג', ז'אק, צ'רצ'יל, ת'ורו); וו is v or w
HEBREW_DIGRAPHS = {"ג'": "J", "ז'": "J Z", "צ'": "CH", "ת'": "T", "ד'": "D", "ח'": "K H", "וו": "V", "יי": "Y I"}
# Latin letter groups (a longer group wins)
LATIN_SOUNDS = {
    "tsch": "CH", "sch": "SH", "sh": "SH", "sz": "SH", "cz": "CH", "ch": "CH K SH C", "ph": "P", "th": "T",
    "kh": "K", "zh": "J", "dj": "J", "ts": "C", "tz": "C", "ck": "K", "gh": "G -", "x": "K+S",
    "a": "A I -", "e": "A I -", "i": "I Y -", "o": "O A -", "u": "O A -", "y": "Y I -", "w": "V O -",
    "v": "V", "b": "B", "c": "K S C CH", "d": "D", "f": "P", "g": "G J", "h": "H -", "j": "J Y",
    "k": "K", "l": "L", "m": "M", "n": "N", "p": "P", "q": "K", "r": "R", "s": "S Z SH", "t": "T",
    "z": "Z C",
}
LATIN_WORD = re.compile(r"^[A-Z][A-Za-z'\-]*[a-z][A-Za-z'\-]*$")  # a capitalised Latin word (Trump, McCain)
