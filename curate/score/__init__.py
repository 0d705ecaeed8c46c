"""The ``score`` stage: quality and topic scores from trained classifiers, with optional keep-thresholds."""
