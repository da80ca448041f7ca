"""How often a metric's verdicts match the truth: agreement rate, Cohen's kappa, confusion.

Each verdict is `same`, `different` or `error` (the grader could not decide); the truth is same
or different. An error never matches the truth: it counts against the agreement rate and is
its own category in kappa, so a judge cannot look better by failing on hard cases.

- agreement rate: verdicts equal to the truth over all n, with its 95% Wilson score interval
  (`scipy.stats.binomtest(...).proportion_ci`);
- Cohen's kappa (`sklearn.metrics.cohen_kappa_score`) over the labels same, different, error:
  agreement beyond what the two label frequencies give by chance (0: chance, 1: perfect);
  its 95% interval from the large-sample standard error of Fleiss, Cohen and Everitt (1969),
  the one statsmodels' `cohens_kappa` reports, clipped to [-1, 1] (zero width where every
  verdict matches: the formula's limit, not certainty). Undefined (None) where both sides use
  one and the same label only (chance agreement is then 1);
- confusion: counts of truth x verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.grading.base import Grade, Label

LABELS: tuple[Label, ...] = ("same", "different", "error")
CONFIDENCE = 0.95
METHOD = ("agreement: 95% Wilson interval; Cohen's kappa over same/different/error with the "
          "Fleiss-Cohen-Everitt large-sample 95% interval; errors count as disagreement")


class Agreement(BaseModel):
    """A metric's verdicts against the truth on `n` pairs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    n: int
    agree: int
    rate: float
    low: float
    high: float
    """The 95% interval of the agreement rate."""
    kappa: float | None
    kappa_low: float | None
    kappa_high: float | None
    errors: int
    """Verdicts that are errors (undecided): counted as disagreement."""
    truth_same: int
    """Pairs whose truth is `same` (the base rate a constant verdict would score)."""
    confusion: dict[str, dict[str, int]]
    """truth (same, different) -> verdict (same, different, error) -> count."""
    cost_usd: float = 0.0
    """The metric's own bill over the pairs (a judge's tokens; 0 for json_fields)."""
    unpriced: int = 0
    """Grading calls that failed before they were billed (cost unknown)."""
    method: str = METHOD

    def row(self) -> dict[str, object]:
        """One table row: the numbers, the intervals as text, the confusion flattened."""
        kappa = "n/a" if self.kappa is None else f"{self.kappa:+.2f}"
        interval = "" if self.kappa_low is None else \
            f"[{self.kappa_low:+.2f}, {self.kappa_high:+.2f}]"
        cells = {f"{t}->{v}": self.confusion[t][v] for t in LABELS[:2] for v in LABELS}
        return {"metric": self.metric, "n": self.n, "agreement": round(self.rate, 3),
                "95% CI": f"[{self.low:.2f}, {self.high:.2f}]", "kappa": kappa,
                "kappa 95% CI": interval, "errors": self.errors, **cells,
                "cost_usd": self.cost_usd, "unpriced": self.unpriced}


def agreement(verdicts: Sequence[Label], truth: Sequence[bool], metric: str = "",
              cost_usd: float = 0.0, unpriced: int = 0) -> Agreement:
    """Agreement of `verdicts` (same / different / error) with `truth` (True: same), pair by
    pair; ConfigError where they do not line up, are empty, or hold another label."""
    if len(verdicts) != len(truth):
        raise ConfigError(f"verdicts ({len(verdicts)}) and truth ({len(truth)}) must line up")
    if not verdicts:
        raise ConfigError("no pairs to measure agreement on")
    bad = sorted({str(v) for v in verdicts} - set(LABELS))
    if bad:
        raise ConfigError(f"unknown verdict labels {bad}; valid: {', '.join(LABELS)}")
    want: list[Label] = ["same" if t else "different" for t in truth]
    n, agree = len(want), sum(v == w for v, w in zip(verdicts, want, strict=True))
    low, high = _wilson(agree, n)
    kappa, k_low, k_high = _kappa(want, list(verdicts))
    confusion = {t: {v: sum(1 for w, g in zip(want, verdicts, strict=True) if w == t and g == v)
                     for v in LABELS} for t in LABELS[:2]}
    return Agreement(metric=metric, n=n, agree=agree, rate=agree / n, low=low, high=high,
                     kappa=kappa, kappa_low=k_low, kappa_high=k_high,
                     errors=sum(v == "error" for v in verdicts), truth_same=sum(truth),
                     confusion=confusion, cost_usd=cost_usd, unpriced=unpriced)


def agreement_of(grades: Sequence[Grade], truth: Sequence[bool], metric: str | None = None
                 ) -> Agreement:
    """`agreement` of graded pairs (their labels), with the grader's bill summed."""
    priced = [g.cost_usd for g in grades if not g.unpriced]
    name = metric if metric is not None else (grades[0].metric if grades else "")
    return agreement([g.label for g in grades], truth, name, cost_usd=float(sum(priced)),
                     unpriced=sum(g.unpriced for g in grades))


def agreement_table(results: Sequence[Agreement]) -> pd.DataFrame:
    """One row per measured metric (`Agreement.row`)."""
    return pd.DataFrame([r.row() for r in results])


def _wilson(hits: int, n: int) -> tuple[float, float]:
    from scipy.stats import binomtest

    ci = binomtest(hits, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return float(ci.low), float(ci.high)


def _kappa(truth: list[Label], verdicts: list[Label]
           ) -> tuple[float | None, float | None, float | None]:
    n, index = len(truth), {label: i for i, label in enumerate(LABELS)}
    p = np.zeros((len(LABELS), len(LABELS)))
    for t, v in zip(truth, verdicts, strict=True):
        p[index[t], index[v]] += 1 / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pe = float(rows @ cols)
    if pe >= 1.0 - 1e-12:  # one and the same label on both sides: kappa is 0/0
        return None, None, None
    from sklearn.metrics import cohen_kappa_score

    kappa = float(cohen_kappa_score(truth, verdicts, labels=list(LABELS)))
    se = math.sqrt(max(0.0, _kappa_variance(p, kappa, pe)) / n)
    z = _z()
    return kappa, max(-1.0, kappa - z * se), min(1.0, kappa + z * se)


def _kappa_variance(p: np.ndarray, kappa: float, pe: float) -> float:
    """n times the large-sample variance of kappa (Fleiss, Cohen and Everitt 1969), from the
    table of proportions `p` (truth rows, verdict columns)."""
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    diagonal = np.diag(p) @ (1 - (rows + cols) * (1 - kappa)) ** 2
    spread = np.add.outer(cols, rows) ** 2  # cell (i, j): (cols_i + rows_j)^2
    off = (1 - kappa) ** 2 * float((p * spread).sum() - np.diag(p) @ np.diag(spread))
    return float((diagonal + off - (kappa - pe * (1 - kappa)) ** 2) / (1 - pe) ** 2)


def _z() -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + CONFIDENCE / 2))
