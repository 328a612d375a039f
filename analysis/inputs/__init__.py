"""The input files in ``data/``, loaded and validated: every problem names its file, line and column."""

#: The files of ``data/`` that the build reads (``reported.yaml`` is read by the audit only).
DATA_FILES = ("trials.csv", "prisma.yaml", "review.yaml", "references.bib")
