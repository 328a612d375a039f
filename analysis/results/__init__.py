"""The results registry (``build/results.json``): every number at full precision, with its provenance."""
