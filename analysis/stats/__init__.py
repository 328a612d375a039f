"""The statistical engine: effect sizes, τ² estimators, pooling, small-study tests, GLMM and study intervals.

Arrays in, frozen dataclasses out. Imports numpy and scipy only: nothing else of
the package, no pandas, no files, no figures.
"""
