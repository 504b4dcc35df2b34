"""hebnews: Hebrew news annotation (entities, quotations) with exact character offsets."""
__version__ = "0.1.0"

__all__ = ["Annotator", "Document", "__version__"]


def __getattr__(name):  # lazy: `hebnews --help` must not import numpy/torch
    if name == "Annotator":
        from .annotator import Annotator
        return Annotator
    if name == "Document":
        from .document import Document
        return Document
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
