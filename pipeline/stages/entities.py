"""Entity stages: NER decoding (constrained BIOSE Viterbi + head nouns), clitic-prefix strip,
and one label per name + clusters."""
from __future__ import annotations

import numpy as np

from ..clusters import cluster_entities, vote_labels
from ..crossscript import cross_script_links, latin_person_mentions
from ..document import Entity
from ..ner import BiosDecoder, tag_spans
from .base import Stage, WorkDoc


class NerDecode(Stage):
    """Log-probabilities -> entity token spans ``(first, last + 1, label, score)``: the
    constrained Viterbi path, then a head noun of the entity's type (קרן, עיריית) that stands
    right before an entity joins it (:class:`hebnews.heads.HeadLexicon`)."""

    name = "ner"
    requires = ("tokens", "logprobs")
    provides = ("ner_spans",)

    def __init__(self, labels: list[str], heads):
        self.labels = labels
        self.decoder = BiosDecoder(labels)
        self.heads = heads

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        found = []
        for sent, lp in zip(doc.sentences, doc.logprobs):
            tags = self.decoder.decode(lp)
            labels = self.heads.extend([t.norm for t in doc.tokens[sent.first:sent.last]],
                                       [self.labels[t] for t in tags])
            chosen = np.exp(lp[np.arange(len(tags)), tags]) if tags else np.zeros(0)
            for span in tag_spans(labels):
                score = float(chosen[span.start:span.end].mean())
                found.append((sent.first + span.start, sent.first + span.end, span.label, score))
        doc.spans = found
        return doc


class StripPrefixes(Stage):
    """Token spans -> character-span entities without their clitic prefix (באוקראינה ->
    אוקראינה), decided by the prefix scorer with the document's names and words as evidence."""

    name = "prefixes"
    requires = ("ner_spans",)
    provides = ("entities",)

    def __init__(self, prefixes):
        self.prefixes = prefixes

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        toks, nt = doc.tokens, doc.normalized
        names = {toks[i].norm for a, b, _, _ in doc.spans for i in range(a, b)}
        words = {t.norm for t in toks if t.kind == "heb"}
        entities = []
        for a, b, label, score in doc.spans:
            first = toks[a]
            prev = toks[a - 1].norm if a > 0 else ""
            k = self.prefixes.prefix_len(first.norm, names, words, prev) if first.kind == "heb" else 0
            start = int(nt.starts[first.wstart + k]) if k else first.start
            end = toks[b - 1].end
            entities.append(Entity(f"e{len(entities) + 1}", start, end, nt.original[start:end],
                                   label, round(score, 4), first.start))
        doc.entities = entities
        return doc


class Clusters(Stage):
    """One label per name (the majority of mentions with the same words), clusters of the
    mentions of one entity (טראמפ = דונלד טראמפ), Latin-script names joined to the Hebrew cluster
    they write (Trump = דונלד טראמפ: :mod:`hebnews.crossscript`), and every mention takes its
    cluster's label."""

    name = "clusters"
    requires = ("tokens", "entities")
    provides = ("clusters",)

    def __call__(self, doc: WorkDoc) -> WorkDoc:
        vote_labels(doc.entities)
        doc.clusters, doc.cluster_of = cluster_entities(doc.entities)
        made = latin_person_mentions(doc.text, doc.tokens, doc.entities, doc.clusters)
        if made:
            doc.entities = sorted(doc.entities + [e for e, _ in made], key=lambda e: (e.start, e.end))
        links = cross_script_links(doc.entities, doc.clusters, doc.cluster_of, doc.tokens)
        links.update({e.id: target for e, target in made})
        if links:
            doc.clusters, doc.cluster_of = cluster_entities(doc.entities, links)
        label_of = {c.id: c.label for c in doc.clusters}
        for e in doc.entities:
            e.cluster = doc.cluster_of.get(e.id)
            e.label = label_of.get(e.cluster, e.label)
        return doc
