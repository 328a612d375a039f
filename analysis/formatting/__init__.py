"""How every number is written: tables, prose, figure labels and the audit all call these functions."""

from .numbers import *  # noqa: F401,F403
