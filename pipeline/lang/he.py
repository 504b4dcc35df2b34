"""Hebrew language data, defined once: letters, clitic prefixes, function words, quotation marks
and the lexicons the rules read.

Several sets below look alike but are not the same: each says what it is for and why its
members differ from its neighbours'. They are kept exactly as the rules were tuned with them;
merging two would change what hebnews outputs.
"""
from __future__ import annotations

import re

# ----------------------------------------------------------------------------- letters
# Character-class bodies (for ``[...]`` in a regular expression), not sets.
LETTERS = "\u05d0-\u05ea"  # א .. ת, final forms included
LIGATURES = "\u05f0-\u05f2"  # the Yiddish digraphs װ ױ ײ
PRESENTATION_FORMS = "\ufb1d-\ufb4f"  # precomposed letters with points (יִ, שׁ, ...)
BLOCK = "\u0590-\u05ff"  # the whole Unicode Hebrew block
# every character from the first cantillation mark to qamats qatan: the points and also the
# Hebrew punctuation between them (maqaf ־, paseq ׀, sof pasuq ׃, nun hafukha ׆)
POINTS = "\u0591-\u05c7"
# only the combining marks of that range (a word's letters may carry them): the tokenizer's
COMBINING_MARKS = "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
WORD_LETTERS = LETTERS + LIGATURES + PRESENTATION_FORMS  # what a Hebrew word of the tokenizer starts with

HEB_LETTER = re.compile(f"[{LETTERS}]")
HEBREW_CHAR = re.compile(f"[{BLOCK}{PRESENTATION_FORMS}]")  # any character of the script

FINAL_FORM = {"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"}  # a letter's word-final shape
MATRES_LECTIONIS = ("ו", "י", "א", "ה")  # letters that also write vowels (foreign names open with them)

GERESH = "\u05f3"  # ׳ (folded to ' in the working text)
GERSHAYIM = "\u05f4"  # ״ (folded to ")
MAQAF = "\u05be"  # ־ the Hebrew hyphen (folded to -)
# a geresh after these letters writes a foreign sound (ג'ורג', ז'אק, צ'רצ'יל, אנקורג') and
# belongs to the word
GERESH_LETTERS = "גזצץתחד"
# ... and after these a geresh may also end the word: the sounds, and פ of the abbreviation פרופ'
# (never a closing quotation mark)
WORD_FINAL_GERESH = GERESH_LETTERS + "פ"
# abbreviations written with a geresh, kept as one token
GERESH_ABBREVIATIONS = ("פרופ'", "גב'", "רח'", "מס'", "עמ'", "וכו'", "אח'", "סא'", "רס'", "טור'", "ש'")

# ----------------------------------------------------------------------------- clitic prefixes
# Hebrew glues ו ה ב כ ל מ ש (and runs of them: וה, וב, מה, שב, כש, ...) to the next word.
CONJUNCTION = "ו"  # and
ARTICLE = "ה"  # the
RELATIVE = "ש"  # that, who
WHEN = "כש"  # when (כשאחרים): כ + the relative ש
PREFIX_CHARS = "ובלמשהכ"  # the seven letters, as a string (for regular expressions)
PREFIX_LETTERS = frozenset(PREFIX_CHARS)
# in/at, to, from, like: a name glued to one is an oblique, not a subject (לטום, בשרמן, מנתניהו)
PREPOSITION_LETTERS = frozenset("בלמכ")

# The prefix strings that may be stripped from an entity's first token (hebnews.prefixes). A
# prefix ending in the article ה is not stripped by rule: in NEMO the article belongs to the name
# far more often than not (הכנסת, הליכוד); והליכוד loses only its ו.
STRIP_PREFIXES = ("ו", "ב", "ל", "מ", "ש", "כ", "וב", "ול", "ומ", "וש", "וכ", "שב", "של", "שמ",
                  "כש", "לכש", "וכש", "ושב", "מש")
# The prefixes whose glued forms count as evidence that a stem is a word of its own (לפראג,
# מפראג for בפראג): the commonest ones, the article included, as the learned prefix scorer was
# fitted with them.
FAMILY_PREFIXES = ("ב", "ל", "מ", "ו", "ש", "ה", "כ", "וב", "ול", "ומ", "שב", "של", "וה", "מה", "שה")
# The clitics that may precede an entity head noun (מקרן פורד, ולעיריית חיפה): tried in this
# order, the first whose remainder is a head noun wins.
HEAD_CLITICS = ("ו", "ב", "ל", "מ", "ש", "כ", "וב", "ול", "ומ", "וש", "שב", "של", "שמ", "כש", "מה", "וה",
                "שה")
# The prefixes ignored when the quote evaluation compares a predicted speaker with the gold one
# (ולדברי השר / השר): runs with the article ה (וה, שה, לה, בה, ...) included.
SPEAKER_PREFIXES = ("וכש", "ושה", "וש", "וה", "וב", "ול", "ומ", "וכ", "שה", "שב", "של", "שמ", "מה", "כש",
                    "לה", "בה", "ו", "ה", "ב", "ל", "מ", "ש", "כ")

# ----------------------------------------------------------------------------- function words
# Two preposition lists with different members, for two different questions:
#
# PREPOSITIONS: prepositions that stand as words of their own, so the word right after one does
# not take another preposition or conjunction (של בראדלי is Bradley, כמו ברוקינגס is Brookings):
# evidence for the learned prefix scorer (HTB train: after these words 29 of 325 entity tokens that
# could carry a prefix do, elsewhere 1,951 of 3,044). The scorer's weights were fitted with this
# list.
PREPOSITIONS = frozenset(("של", "את", "עם", "כמו", "על", "אל", "מול", "אצל", "לפני", "אחרי", "בין",
                          "נגד", "לעבר", "ליד", "מאת", "כלפי", "למען", "בעד", "לגבי", "אודות",
                          "בשביל", "מפני", "לקראת", "תחת", "מתחת", "במקום", "לצד", "בתוך", "מתוך",
                          "מאז"))
# OBLIQUE_WORDS: the words before a person's name that make the name an oblique (not subject)
# mention, so the person is not whom a pronoun or לדבריו points back to (speaker resolution). Its
# own list, as the speaker rules were tuned with it: ten of the words of PREPOSITIONS
# (no לפני, אחרי, ליד, ...), plus לפי, עבור, לעומת, the one-letter prepositions written apart
# before a hyphen (ל-Mangrove, ב-1990) and the hyphen itself.
OBLIQUE_WORDS = frozenset(("של", "את", "עם", "על", "אל", "נגד", "מול", "לפי", "בין", "אצל", "כמו", "עבור",
                           "לעומת", "-")) | PREPOSITION_LETTERS

PRONOUNS = frozenset(("הוא", "היא", "הם", "הן", "אני", "אנחנו", "אנו", "אתה", "את", "אתם"))

# a group named by its size (השלושה, שלושת השותפים, שניהם) stands for the last list of that
# many people (רונה שגב גל, איתן בק ושחר צפריר)
GROUP_WORDS = {"השניים": 2, "שניהם": 2, "שתיהן": 2, "השתיים": 2, "שני": 2, "שתי": 2,
               "השלושה": 3, "השלוש": 3, "שלושתם": 3, "שלושתן": 3, "שלושת": 3,
               "הארבעה": 4, "ארבעתם": 4, "ארבעת": 4, "החמישה": 5, "חמשתם": 5, "חמשת": 5}
# what stands between the names of a list: a comma, ו (ו- before a number or a foreign name) or both
LIST_SEPARATOR = re.compile(rf"^(?:\s*,\s*|\s+{CONJUNCTION}-?|\s*,\s*{CONJUNCTION}-?)$")
# "the company" (החברה, בחברה מסבירים, מהחברה נמסר) stands for the organisation the text is about
COMPANY = re.compile(r"^[ובמ]?(?:ה)?חברה$")

# ----------------------------------------------------------------------------- speech cues
# "according to him/her/them": the possessive suffix is the speaker (לדבריו, לטענתה, לדעתם,
# להערכתו, כדבריה, ולדבריו); לדברי / לטענת without a suffix take the name after them
_POINTER_STEMS = r"^ו?(?:לדברי|כדברי|בדברי|לטענת|לדעת|להערכת|לגרסת|לשיטת|לעדות|לפי)"
_POINTER_SUFFIX = r"(?:ו|ה|הם|הן|נו|י)"
POINTER_CUE = re.compile(_POINTER_STEMS + _POINTER_SUFFIX + "$")
# the same words without the suffix (לדברי השר, לטענת, לפי): the name follows them
BARE_POINTER_CUE = re.compile(_POINTER_STEMS + "$")
KACH = frozenset(("כך", "וכך"))  # "thus": "...", כך אמר השר puts the attribution after the quote
PAST_SUFFIXES = ("ה", "ו")  # a past-tense verb's feminine and plural endings (הדגישה, הדגישו)

# ----------------------------------------------------------------------------- quotation marks
# The working text (hebnews.normalize) folds every quotation mark to " or '; these are for text
# read as it was written (gold files, speaker names, the original text).
# stripped from the ends of a name's words when names are compared (clusters)
NAME_EDGE = "\"'״׳“”„.,-()"
# the same for speaker names in the quote evaluation, where colons and semicolons also stick to
# a name
SPEAKER_EDGE = NAME_EDGE + ":;"
# how the quote evaluation folds the marks of speaker names before comparing them
SPEAKER_FOLD = {GERESH: "'", GERSHAYIM: '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", MAQAF: "-"}
# what may stand between a paragraph break and a quote that opens the paragraph
PARAGRAPH_OPENING = " \t\"'״“”„«»"
NAME_HYPHENS = ("-", MAQAF, "–")  # a name runs on over these (רושין-רימיני)

# the entity types of NEMO (and of our model): people, organisations, geo-political entities,
# locations, facilities, events, works of art, languages, products
NEMO_TYPES = ("PER", "ORG", "GPE", "LOC", "FAC", "EVE", "WOA", "ANG", "DUC")

# ----------------------------------------------------------------------------- speaker mentions
# Cardinal number words (masculine, feminine and construct forms, older spellings without yod):
# never a speaker on their own (אדם אחד, אחד הנוכחים: the noun they count is). The plural
# quantity nouns עשרות, מאות, אלפים head a phrase of their own (ואלפים הריעו) and are not here.
NUMERALS = frozenset((
    "אחד", "אחת", "שניים", "שתיים", "שני", "שתי", "שלושה", "שלוש", "שלושת", "ארבעה", "ארבע", "ארבעת",
    "חמישה", "חמשה", "חמש", "חמשת", "שישה", "ששה", "שש", "ששת", "שבעה", "שבע", "שבעת", "שמונה", "שמונת",
    "תשעה", "תשע", "תשעת", "עשרה", "עשר", "עשרת", "עשרים", "שלושים", "ארבעים", "חמישים", "שישים", "שבעים",
    "שמונים", "תשעים", "מאה", "מאתיים", "אלף", "אלפיים"))
# "One" follows the noun it counts (אדם אחד, אשה אחת); every other number stands before it
# (שלושה חיילים, 600 מתנדבים), as quantifiers do
ONE = frozenset(("אחד", "אחת"))
PARTITIVE = "מ"  # "of" glued to the counted noun: אחד מהם, כמה מהעובדים
# Quantifiers that stand before the noun they count (כמה מהעובדים, רוב התושבים, חלק מהחברים)
QUANTIFIERS = frozenset(("כמה", "חלק", "רוב", "מקצת", "מרבית", "כל", "אחדים"))
# Words that never name who speaks: copulas (אינה, הינו, היה), negation and existence (אין, יש,
# לא), adverbs and conjunctions (גם, כבר, תחילה, נוסף, כי, אך), demonstratives (זה, זו, זאת,
# אלה, אלו: "this", a text or a matter in news prose, וזה לשונו; a person is הוא / היא) and
# the words of prepositional phrases (מטעם, באשר, על פי, אט אט). The head sometimes puts the speaker
# there (אינה in "X אינה מסכימה: ..."); the mention is then another word.
NON_NOMINAL = frozenset((
    "אינו", "אינה", "אינם", "אינן", "איננו", "איננה", "אינני", "הינו", "הינה", "הינם", "הינן", "הנו", "הנה",
    "היה", "היתה", "הייתה", "היו", "יהיה", "תהיה", "יהיו", "להיות", "אין", "יש", "לא",
    "גם", "אף", "רק", "עוד", "כבר", "אז", "כך", "כן", "תחילה", "נוסף", "בנוסף", "עדיין", "מאוד", "אולי", "אכן",
    "שוב", "כעת", "עכשיו", "היום", "אתמול", "מחר", "לכן", "אפוא", "למשל", "ובכן", "כאמור", "בינתיים", "לאחר",
    "כי", "אך", "אבל", "אולם", "ואולם", "כאשר", "אם", "או", "אלא", "כדי", "למרות", "משום", "כיוון",
    "זה", "זו", "זאת", "אלה", "אלו", "מטעם", "באשר", "פי", "אט"))
# Possessives ("his", "my", ...): they follow the noun they belong to (הילד שלי, מכר אחד שלו)
POSSESSIVES = frozenset(("שלו", "שלה", "שלהם", "שלהן", "שלי", "שלנו", "שלך", "שלכם", "שלכן"))
# Nouns spelled like a speech verb of the cue lexicon: כתב / כתבת / כתבי (reporter, reporter
# (f.), reporters of; also "wrote", "you wrote"), כתבה (article; "she wrote"), דובר / דוברת / דוברי
# (spokesperson(s); "was spoken")
CUE_HOMOGRAPHS = frozenset(("כתב", "כתבת", "כתבי", "כתבה", "דובר", "דוברת", "דוברי"))
# Of PRONOUNS only these point back to a person named in the text; outside a quotation אני / אנחנו is the
# writer and אתה / אתם the reader, never the last person named
THIRD_PERSON = frozenset(("הוא", "היא", "הם", "הן"))
# ... and these two only to more than one person: a list of people, or a plural description
THIRD_PERSON_PLURAL = frozenset(("הם", "הן"))
