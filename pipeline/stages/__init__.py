"""The stages of the pipeline, in order (each declares what it requires and provides):

    normalize -> segment -> quote-candidates -> encode -> ner -> prefixes -> clusters
              -> quote-head -> speakers -> gender

:func:`build` makes the list from a model's parts; the chain is checked when it is built.
"""
from __future__ import annotations

from .base import PipelineError, Stage, WorkDoc, check_chain, run_stages
from .encode import Encode
from .entities import Clusters, NerDecode, StripPrefixes
from .quotes import QuoteCandidates, QuoteHead, SpeakerGender, Speakers, sentences_near_candidates
from .text import Normalize, Segment

ORDER = ("normalize", "segment", "quote-candidates", "encode", "ner", "prefixes", "clusters",
         "quote-head", "speakers", "gender")
GROUPS = {"quotes": ("quote-candidates", "quote-head", "speakers", "gender")}  # names that stand for several


def expand_names(names) -> set[str]:
    """Stage names (and group names such as ``quotes``) -> stage names; unknown names raise."""
    out: set[str] = set()
    for n in names or ():
        if n in GROUPS:
            out.update(GROUPS[n])
        elif n in ORDER:
            out.add(n)
        else:
            raise PipelineError(f"unknown stage {n!r} (stages: {', '.join(ORDER)}; groups: {', '.join(GROUPS)})")
    return out


def build(classifier, prefixes, heads, quote_tagger=None, exclude=()) -> list[Stage]:
    """The stage list for a model's parts, without the ``exclude``d stages (a model without a
    quote head has no quote stages). The encoder is told which later stages read its vectors."""
    skip = expand_names(exclude)
    if quote_tagger is None:
        skip |= set(GROUPS["quotes"])
    made = {"normalize": Normalize, "segment": Segment, "quote-candidates": QuoteCandidates,
            "encode": lambda: Encode(classifier), "ner": lambda: NerDecode(classifier.labels, heads),
            "prefixes": lambda: StripPrefixes(prefixes), "clusters": Clusters,
            "quote-head": lambda: QuoteHead(quote_tagger, classifier.labels),
            "speakers": lambda: Speakers(quote_tagger, prefixes), "gender": SpeakerGender}
    stages = [made[n]() for n in ORDER if n not in skip]
    check_chain(stages)
    for i, st in enumerate(stages):
        if isinstance(st, Encode):
            st.connect(stages[i + 1:])
    return stages


__all__ = ["ORDER", "Clusters", "Encode", "NerDecode", "Normalize", "PipelineError", "QuoteCandidates",
           "QuoteHead", "Segment", "SpeakerGender", "Speakers", "Stage", "StripPrefixes", "WorkDoc", "build", "check_chain",
           "expand_names", "run_stages", "sentences_near_candidates"]
