"""The errors that cross stages: a model that cannot be used, a run asked to stop."""


class ModelError(RuntimeError):
    """The model folder is missing, incomplete or unreadable, or the device is unusable."""


class Interrupted(RuntimeError):
    """The caller's stop flag was raised while the encoder ran (checked between batches)."""
