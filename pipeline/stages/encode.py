"""The encoder stage: per-token label log-probabilities for every sentence, and word vectors
for the sentences that later stages ask for (one forward pass serves both). The one batched
stage: sentences of many documents share length-sorted encoder batches."""
from __future__ import annotations

from typing import Callable, Sequence

from .base import Stage, WorkDoc


class Encode(Stage):
    name = "encode"
    requires = ("tokens",)
    provides = ("logprobs", "vectors")
    batched = True

    def __init__(self, classifier):
        self.classifier = classifier
        self.consumers: list[Stage] = []  # later stages that read vectors (set by the pipeline)
        self.layers: tuple[int, ...] = ()  # the encoder layers they read

    def connect(self, later: Sequence[Stage]) -> None:
        """Ask the later stages which of them read word vectors, and from which layers."""
        self.consumers = [st for st in later if getattr(st, "vector_layers", ())]
        layers = {tuple(st.vector_layers) for st in self.consumers}
        if len(layers) > 1:
            raise ValueError(f"stages read vectors of different encoder layers: {sorted(layers)}")
        self.layers = layers.pop() if layers else ()

    def _want(self, doc: WorkDoc) -> list[bool]:
        want = [False] * len(doc.sentences)
        for st in self.consumers:
            for k, w in enumerate(st.wants_vectors(doc) or ()):
                want[k] = want[k] or w
        return want

    def pipe(self, docs: list[WorkDoc], stop: Callable[[], bool] | None = None) -> list[WorkDoc]:
        words = [[[t.norm for t in d.tokens[s.first:s.last]] for s in d.sentences] for d in docs]
        if self.consumers:
            want = [w for d in docs for w in self._want(d)]
            logprobs, vectors = self.classifier.run_documents(words, want, self.layers, stop=stop)
        else:
            logprobs, vectors = self.classifier.run_documents(words, stop=stop)
        k = 0
        for d in docs:
            n = len(d.sentences)
            d.logprobs, d.vectors = logprobs[k:k + n], vectors[k:k + n]
            k += n
        return docs
