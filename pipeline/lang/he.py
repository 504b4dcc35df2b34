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
POINT_MARK = re.compile(f"[{COMBINING_MARKS}]")  # niqqud, dagesh, cantillation: one mark


def strip_points(text: str) -> str:
    """``text`` without its niqqud and cantillation (:data:`COMBINING_MARKS`; maqaf and the other
    punctuation of the range stay): שָׁלוֹם -> שלום. The store's full-text search compares so."""
    return POINT_MARK.sub("", text)

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

HE, SHE = "הוא", "היא"  # third person singular pronouns
PRONOUNS = frozenset((HE, SHE, "הם", "הן", "אני", "אנחנו", "אנו", "אתה", "את", "אתם"))

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
# speech nouns in construct: "the words of", "the claim of", ... (לדברי, לטענת, לדעתו)
_SPEECH_NOUNS = ("דברי", "טענת", "דעת", "הערכת", "גרסת", "שיטת", "עדות")
_POINTER_STEMS = r"^ו?(?:[כב]דברי|ל(?:" + "|".join(_SPEECH_NOUNS) + r")|לפי)"
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
# Words that open a relative clause and are not its subject: אשר, and ש glued to an inflected
# preposition (שבה, שעליו, שבמהלכו: "in which", "about whom"; not של: שלו is "his") or to a
# negation or adverb (שלא, שאינו, שכבר). The words after one, up to the comma that closes the
# clause, belong to the clause, never to the sentence's speech verb (מתקפה שבה נהרג אדם אחד, ציין).
RELATIVE_OPENER = re.compile(r"^ו?(?:אשר|ש(?:(?:ב|עלי|אלי|אות|אית|עמ|אצל|לפי|בגלל|בזכות|במהלכ|בעקבותי|במסגרת)"
                             r"(?:ו|ה|הם|הן|ם|ן)|ממנו|ממנה|מהם|מהן|לא|אין|אינו|אינה|אינם|אינן|כבר|עוד|גם|אף))$")
# Possessives ("his", "my", ...): they follow the noun they belong to (הילד שלי, מכר אחד שלו)
POSSESSIVES = frozenset(("שלו", "שלה", "שלהם", "שלהן", "שלי", "שלנו", "שלך", "שלכם", "שלכן"))
# The forms of שאל ("ask": שאל, שואל, שאלה, שואלת, שאלו, שואלים): a speech verb whose first ש is
# its root, not the relative prefix (שאמר -> אמר, but שאלה is not ש + אלה, "these")
SHIN_ROOT_CUE = re.compile(r"^ש(?:ו?אל)(?:ה|ו|ת|ים|ות)?$")
# Nouns spelled like a speech verb of the cue lexicon: כתב / כתבת / כתבי (reporter, reporter
# (f.), reporters of; also "wrote", "you wrote"), כתבה (article; "she wrote"), דובר / דוברת / דוברי
# (spokesperson(s); "was spoken")
CUE_HOMOGRAPHS = frozenset(("כתב", "כתבת", "כתבי", "כתבה", "דובר", "דוברת", "דוברי"))
# ... of which these read as a verb only in the second person or the imperative ("you wrote",
# "write!"), which a report's narration outside quotations does not use: there they are nouns
NARRATION_NOUNS = frozenset(("כתבת", "כתבי", "דוברת", "דוברי"))
# Of PRONOUNS only these point back to a person named in the text; outside a quotation אני / אנחנו is the
# writer and אתה / אתם the reader, never the last person named
# (THIRD_PERSON_PLURAL: only to more than one person, a list of people or a plural description)
THIRD_PERSON_PLURAL = frozenset(("הם", "הן"))
THIRD_PERSON = frozenset((HE, SHE)) | THIRD_PERSON_PLURAL

# ----------------------------------------------------------------------------- grammatical gender
# Hebrew marks a person's gender on the verbs, participles, adjectives, pronouns and titles that
# agree with them (אמר / אמרה, אומר / אומרת, הוא / היא, לדבריו / לדבריה, השר / השרה); the speaker
# gender stage (hebnews.gender) reads it. Each table is one "masculine feminine" pair a line, the
# forms as written without points; "-" where a form is the same for both genders (the present of
# ענה, הודה, פנה, כינה, גילה is עונה, מודה, פונה, מכנה, מגלה for a man and a woman alike) and so
# tells nothing.
#
# Speech and attitude verbs: the third person singular past, then the singular present participle.
_SPEECH_VERBS = """
אמר אמרה אומר אומרת
הוסיף הוסיפה מוסיף מוסיפה
ציין ציינה מציין מציינת
טען טענה טוען טוענת
הדגיש הדגישה מדגיש מדגישה
הבהיר הבהירה מבהיר מבהירה
הסביר הסבירה מסביר מסבירה
סיפר סיפרה מספר מספרת
כתב כתבה כותב כותבת
השיב השיבה משיב משיבה
הודיע הודיעה מודיע מודיעה
מסר מסרה מוסר מוסרת
צעק צעקה צועק צועקת
זעק זעקה זועק זועקת
התריע התריעה מתריע מתריעה
הזהיר הזהירה מזהיר מזהירה
קבע קבעה קובע קובעת
שאל שאלה שואל שואלת
ענה ענתה - -
הודה הודתה - -
פנה פנתה - -
כינה כינתה - -
גילה גילתה - -
קרא קראה קורא קוראת
הגיב הגיבה מגיב מגיבה
הכריז הכריזה מכריז מכריזה
הצהיר הצהירה מצהיר מצהירה
ציטט ציטטה מצטט מצטטת
התלונן התלוננה מתלונן מתלוננת
הטעים הטעימה מטעים מטעימה
תיאר תיארה מתאר מתארת
הגדיר הגדירה מגדיר מגדירה
האשים האשימה מאשים מאשימה
סיכם סיכמה מסכם מסכמת
העיר העירה מעיר מעירה
התבטא התבטאה מתבטא מתבטאת
הבטיח הבטיחה מבטיח מבטיחה
איים איימה מאיים מאיימת
הציע הציעה מציע מציעה
ביקש ביקשה מבקש מבקשת
דרש דרשה דורש דורשת
כעס כעסה כועס כועסת
הזכיר הזכירה מזכיר מזכירה
הכחיש הכחישה מכחיש מכחישה
אישר אישרה מאשר מאשרת
נזכר נזכרה נזכר נזכרת
חשב חשבה חושב חושבת
האמין האמינה מאמין מאמינה
העריך העריכה מעריך מעריכה
הביע הביעה מביע מביעה
ספד ספדה סופד סופדת
שיתף שיתפה משתף משתפת
התייחס התייחסה מתייחס מתייחסת
צייץ צייצה מצייץ מצייצת
פסק פסקה פוסק פוסקת
השמיע השמיעה משמיע משמיעה
דיווח דיווחה מדווח מדווחת
הסכים הסכימה מסכים מסכימה
לחש לחשה לוחש לוחשת
נאם נאמה נואם נואמת
הטיח הטיחה מטיח מטיחה
גער גערה גוער גוערת
נפרד נפרדה נפרד נפרדת
התחייב התחייבה מתחייב מתחייבת
דיבר דיברה מדבר מדברת
התפעל התפעלה מתפעל מתפעלת
סירב סירבה מסרב מסרבת
"""
# adjectives and passive participles of attitude that agree with their subject (ללקין מודע ש...)
_AGREEING_ADJECTIVES = """
סבור סבורה
מודע מודעת
משוכנע משוכנעת
בטוח בטוחה
מרוצה -
"""
# nouns for a person that have a masculine and a feminine form (השופט / השופטת, דובר / דוברת,
# as a title before a name, in apposition after it, or as the speaker's description); the
# feminine is given in both its absolute and its construct form where they differ (מזכירה,
# מזכירת). Titles of both genders (ראש, יו"ר, ח"כ, עו"ד, ד"ר, מנחה, ממונה) are not here.
_PERSON_NOUNS = """
שר שרה
דובר דוברת
נשיא נשיאה
נשיא נשיאת
מנהל מנהלת
מנכ"ל מנכ"לית
יועץ יועצת
שופט שופטת
פרקליט פרקליטה
פרקליט פרקליטת
עורך עורכת
כתב כתבת
סופר סופרת
מזכיר מזכירה
מזכיר מזכירת
רופא רופאה
סגן סגנית
מאמן מאמנת
מנהיג מנהיגה
מנהיג מנהיגת
משורר משוררת
במאי במאית
פקיד פקידה
פקיד פקידת
שליח שליחה
שליח שליחת
מראיין מראיינת
נציג נציגה
נציג נציגת
קצין קצינה
קצין קצינת
שוטר שוטרת
חייל חיילת
שגריר שגרירה
שגריר שגרירת
מפקד מפקדת
חוקר חוקרת
מומחה מומחית
פסיכולוג פסיכולוגית
כלכלן כלכלנית
עיתונאי עיתונאית
תובע תובעת
סנגור סנגורית
סניגור סניגורית
מייסד מייסדת
יזם יזמית
שחקן שחקנית
זמר זמרת
תושב תושבת
לוחם לוחמת
סטודנט סטודנטית
מורה -
בעל בעלת
איש אשה
איש אישה
גבר -
מר גב'
מלך מלכה
נסיך נסיכה
אדם - אב אם אבא אמא סבא סבתא
בן בת נכד נכדה ילד ילדה נער נערה אח אחות אלמן אלמנה
מכר מכרה שכן שכנה אזרח אזרחית נהג נהגת עובד עובדת מתנדב מתנדבת
פצוע פצועה ניצול ניצולה מפגין מפגינה נאשם נאשמת חשוד חשודה
"""


def _pairs(table: str) -> tuple[frozenset, frozenset]:
    """(masculine forms, feminine forms) of a "masculine feminine ..." table (pairs of columns)."""
    masc, fem = set(), set()
    for line in table.split("\n"):
        cols = line.split()
        for m, f in zip(cols[0::2], cols[1::2]):
            if m != "-" and f != "-":
                masc.add(m)
                fem.add(f)
    return frozenset(masc - fem), frozenset(fem - masc)


MASCULINE_VERBS, FEMININE_VERBS = _pairs(_SPEECH_VERBS + _AGREEING_ADJECTIVES)
MASCULINE_NOUNS, FEMININE_NOUNS = _pairs(_PERSON_NOUNS)
# Every form of the speech verbs above joins the quote head's cue lexicon (hebnews.quote_head),
# which holds only the forms its training gold happened to use; left out are forms more often a
# noun: העיר ("the city"), מזכיר / מזכירה ("secretary"), קורא / קוראת ("reader"), פסקה
# ("paragraph"), גילה (a name), חשב ("accountant"), מתאר ("outline"), נואם / נואמת, מבקש / מבקשת
SPEECH_VERB_FORMS = frozenset(w for w in _SPEECH_VERBS.split() if w != "-") - frozenset((
    "העיר", "מזכיר", "מזכירה", "קורא", "קוראת", "פסקה", "גילה", "חשב", "מתאר", "נואם", "נואמת", "מבקש", "מבקשת"))
PRONOUN_GENDER = {HE: "male", SHE: "female"}
# "according to him / her": a speech noun with a possessive suffix (לדבריו, לדבריה, לדעתו,
# לטענתה, בדבריו, מדבריה, כעדותו, תגובתו, ותגובתה, באומרו); ו is his, ה is hers (לפיו, לפיה
# also point at documents, so לפי is not among them; nor לשונו, "its wording")
SUFFIX_GENDER = re.compile(r"^[ובלכמ]{0,2}(?:" + "|".join(_SPEECH_NOUNS + ("תגובת", "אמירת", "תשובת", "אומר"))
                           + r")(?P<suffix>ו|ה)$")
SUFFIX_GENDERS = {"ו": "male", "ה": "female"}
# the clitics a gendered word may carry (ואמר, שאמרה, כשהוא, והשופטת, המעריכה, כאומר)
GENDER_CLITICS = ("וכשה", "כשה", "וכש", "כש", "וש", "וה", "שה", "ו", "ש", "ה", "כ")
