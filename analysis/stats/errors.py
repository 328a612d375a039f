"""What the engine says when it cannot answer: a statistic not estimable from the data, or a solver that failed.

Imports nothing (the command line loads it without numpy).
"""

from __future__ import annotations

from dataclasses import dataclass


class ConvergenceError(RuntimeError):
    """An iterative estimator did not converge."""


class NotEstimableError(ValueError):
    """A statistic cannot be computed from these data; ``reason`` says why, in words for the reader."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NotEstimable:
    """A statistic of an analysis that is not reported, and why (e.g. ``"egger"``, ``"needs at least 3 studies"``)."""

    statistic: str
    reason: str


def too_few_studies(needed: int, k: int, verb: str = "needs") -> str:
    """'needs at least 3 studies (there are 2)': the reason of a statistic undefined for k studies."""
    return f"{verb} at least {needed} studies (there {'is' if k == 1 else 'are'} {k})"
