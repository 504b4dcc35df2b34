"""hebnews: Hebrew news annotation (entities, quotations) with exact character offsets."""
from .version import __version__

__all__ = ["Annotator", "Document", "to_spacy", "__version__"]


def __getattr__(name):  # lazy: `hebnews --help` must not import numpy/torch
    if name == "Annotator":
        from .annotator import Annotator
        return Annotator
    if name == "Document":
        from .document import Document
        return Document
    if name == "to_spacy":
        from .spacy_bridge import to_spacy
        return to_spacy
    raise AttributeError(f"module 'hebnews' has no attribute {name!r}")
