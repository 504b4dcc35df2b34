"""One I/O layer for every run (annotate, feed, the Ray engine): :mod:`.sources` reads inputs
into records, :mod:`.sinks` writes documents with the atomic and resume rules, :mod:`.runtime`
holds the stop flag, the progress bar and the errors file."""
