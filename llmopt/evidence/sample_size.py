"""How many requests a paired quality comparison needs, before and after it runs.

Per request, the candidate-minus-baseline outcome is +1, 0 or -1; with a share `discordance`
of requests that change and a true difference `d` (a proportion), its variance is
`discordance - d**2`. The 95% interval of the mean difference over n requests is then about
`d ± z * sqrt((discordance - d**2) / n)`, and a verdict needs that interval clear of
`-budget`: wholly above it (keep) or wholly below it (drop). With power `p`, the n that does
so is (z_(1-alpha/2) + z_p)**2 * (discordance - d**2) / (d + budget)**2: Connor's formula for
McNemar's test, with the budget as the margin.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from llmopt.errors import ConfigError

POWER = 0.8


def requests_needed(budget_points: float, discordance: float, difference_points: float = 0.0,
                    confidence: float = 0.95, power: float = POWER) -> int | None:
    """Paired requests for an interval that clears `-budget_points` with probability `power`,
    when `discordance` of the requests change and the true difference is `difference_points`.
    None when no n can: the difference sits exactly on the budget."""
    _check(budget_points, discordance, confidence, power)
    d, margin = difference_points / 100, (difference_points + budget_points) / 100
    if abs(d) > discordance + 1e-12:
        raise ConfigError(f"a difference of {difference_points} points needs at least "
                          f"{abs(difference_points):g}% of the requests to change; the "
                          f"discordance given is {discordance:.1%}")
    if math.isclose(margin, 0.0, abs_tol=1e-12):
        return None
    z = stats.norm.ppf(1 - (1 - confidence) / 2) + stats.norm.ppf(power)
    return max(1, math.ceil(z**2 * max(discordance - d**2, 0.0) / margin**2))


def detectable_loss_points(n: int, discordance: float, confidence: float = 0.95,
                           power: float = POWER) -> float:
    """The smallest loss (points) that `n` paired requests can rule out with probability
    `power`, when the true difference is 0 and `discordance` of the requests change."""
    if n < 1:
        raise ConfigError(f"n must be at least 1 request, got {n}")
    _check(0.0, discordance, confidence, power)
    z = stats.norm.ppf(1 - (1 - confidence) / 2) + stats.norm.ppf(power)
    return 100 * z * math.sqrt(discordance / n)


def _check(budget_points: float, discordance: float, confidence: float, power: float) -> None:
    if not budget_points >= 0:
        raise ConfigError(f"the quality budget must be >= 0 points, got {budget_points}")
    if not 0 <= discordance <= 1:
        raise ConfigError(f"discordance is a share of requests in [0, 1], got {discordance}")
    for name, value in (("confidence", confidence), ("power", power)):
        if not 0 < value < 1:
            raise ConfigError(f"{name} must be in (0, 1), got {value}")


def plan_table(budget_points: float, n: int,
               discordances: tuple[float, ...] = (0.02, 0.05, 0.10, 0.20)) -> pd.DataFrame:
    """Per share of answers a setting might change: the paired requests a comparison needs to
    settle `budget_points` (no true loss, 80% power), and the smallest loss `n` can rule out."""
    return pd.DataFrame([{"answers_changed": d,
                          "requests_needed": requests_needed(budget_points, d),
                          f"loss_ruled_out_at_{n}_points": detectable_loss_points(n, d)}
                         for d in discordances])


def statement(n: int, budget_points: float, discordance: float = 0.05) -> str:
    """What a comparison of `n` paired requests can rule out, in one sentence."""
    loss = detectable_loss_points(n, discordance)
    verdict = "enough to settle" if loss <= budget_points else "too few to settle"
    return (f"If {discordance:.0%} of the answers change, {n} paired requests rule out losses "
            f"above {loss:.1f} points (95% interval, 80% power): {verdict} a quality budget of "
            f"{budget_points:g} points.")
