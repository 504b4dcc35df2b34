"""Language data the rules read: :mod:`hebnews.lang.he` holds everything Hebrew."""
