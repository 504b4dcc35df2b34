"""Language data the rules read: :mod:`pipeline.lang.he` holds everything Hebrew."""
