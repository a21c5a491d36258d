"""Deprecated: the old name of :mod:`juno.eval` (the name of the Rust crate ``juno-eval``
and of the C functions ``juno_eval_*``), kept for one release."""

from __future__ import annotations

import warnings

from juno.eval import PROTOCOLS, EvalResult, sprint_risk, triage

warnings.warn(
    "juno.evaluation is deprecated: import juno.eval", DeprecationWarning, stacklevel=2
)

__all__ = ["PROTOCOLS", "EvalResult", "sprint_risk", "triage"]
