"""Quote stage: direct quotations, their cue and speaker.

Rules find the *candidates* (:mod:`.candidates`: pairs of quotation marks, telling opening and
closing marks from gershayim in acronyms such as ארה"ב or ש"ח); the encoder decides. The quote
head (:mod:`hebnews.quote_head`) reads the encoder's word vectors and scores, for each
candidate, whether it is a direct quotation, which word around it is the cue and which words are
the speaker's mention; :mod:`.decode` turns the scores into quotes and cues, :mod:`.mentions`
into the speaker's mention, and :mod:`.speakers` points the mention at an entity cluster (a
pronoun, or a cue such as לדבריו, at the last person named before it); :mod:`.gender` reads the
speaker's gender from the inflection of the words that agree with them (אמר / אמרה, לדבריה).

All offsets of candidates are into the *working* text (:mod:`hebnews.normalize` folds every
quotation mark to ``"`` or ``'``); quotes, cues and mentions are in original offsets.
"""
from .candidates import Candidate, find_candidates, mark_roles
from .decode import Cue, HeadReading, Quote, QuoteDocument, attribute_quotes, bare_cue, cue_like, read_quotes, tag_quotes
from .gender import assign_genders
from .mentions import Mention, SpeakerContext, find_mention
from .speakers import Speaker, resolve_speaker

__all__ = ["Candidate", "Cue", "HeadReading", "Mention", "Quote", "QuoteDocument", "Speaker", "SpeakerContext", "bare_cue",
           "assign_genders", "attribute_quotes", "cue_like", "find_candidates", "read_quotes", "find_mention", "mark_roles", "resolve_speaker", "tag_quotes"]
