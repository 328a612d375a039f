"""Figures 1–4 (and a GLMM sensitivity figure) drawn by matplotlib from the results registry.

One module per figure (``prisma_flow``, ``funnel_loo``, ``forest``,
``glmm_comparison``); ``style`` holds the look and the one save function;
``outputs`` names the files. The build's plan (:mod:`analysis.pipeline.plan`)
lists the figures; importing this package does not import matplotlib.
"""
