"""Reproducible build of a meta-analysis of single proportions (CD20xCD3 bispecifics after CAR-T)."""

__version__ = "0.1.0"
