"""The annotation store: annotated documents in one SQLite file, for questions across documents.

    hebnews index out/ --db news.db          # .json / .jsonl outputs -> the store (incremental)
    hebnews annotate in/ -o out/ --db news.db # index as the documents are written (also feed)
    hebnews quotes --db news.db --speaker זלנסקי
    hebnews entities --db news.db --top 10 --type PER
    hebnews report --db news.db -o report.html

:mod:`.schema` (tables, versions, migrations), :mod:`.keys` (a document's key: its feed item,
url or output file), :mod:`.rows` (a document's rows),
:mod:`.people` (the cross-document person rule), :mod:`.db` (:class:`Store`),
:mod:`.queries`, :mod:`.table` (terminal/CSV/JSONL), :mod:`.report` and :mod:`.charts`.
"""
from .db import Store, StoreError
from .schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Store", "StoreError"]
