"""The input files in ``data/``, loaded and validated: every problem names its file, line and column."""
