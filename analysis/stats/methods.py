"""The names of the engine's methods, importable without numpy (the command line lists them in its help).

:data:`analysis.stats.transforms.TRANSFORMS` and :data:`analysis.stats.tau2.TAU2_ESTIMATORS` hold the
implementations under exactly these names (checked by the tests).
"""

#: Transformations of a proportion: Freeman-Tukey double arcsine, logit, arcsine square root, none.
TRANSFORM_NAMES = ("ft", "logit", "arcsine", "raw")
#: tau² estimators: DerSimonian-Laird, REML, Paule-Mandel, ML, and none (common effect).
TAU2_METHOD_NAMES = ("dl", "reml", "pm", "ml", "ee")
