"""Spike detection on daily contact counts: pure Python, no Django, no I/O.

A reason's count on a day is compared with what its own recent history predicts:

    expected = level × weekday factor (+ catch-up after a dip) (× share of the day so far)

- **Level**: the reason's contacts per "average day" over the BASELINE_DAYS (8 weeks) before
  the day, the Poisson maximum-likelihood estimate given the weekday factors, with a tiny
  prior (PRIOR_CONTACTS) so a reason that had no contacts still has a positive expectation.
  Days that were outliers themselves (an earlier spike, a holiday) are left out and the
  estimate is made again (OUTLIER_LOG_P), so one incident does not raise the bar for the
  next days.
- **Weekday factors**: the whole shop's rhythm (all reasons together: per weekday the median
  of its days over the window, so one holiday does not move it), blended with the reason's
  own rhythm in proportion to its contacts (`SHRINK_CONTACTS` pseudo-contacts of the shop's
  rhythm): a big reason keeps its own Monday peak, a small one borrows the shop's.
- **Significance**: the upper tail P(X ≥ observed) of a negative binomial with that mean. Its
  over-dispersion is estimated from the reason's own history (method of moments; 0 gives a
  Poisson) plus the uncertainty of the estimated level and factor, so a noisy reason or a
  short history needs a bigger rise. The score is −log10 of that probability.
- **Alert rule**: score ≥ MIN_SCORE (p ≤ 10⁻⁴) *and* at least MIN_RISE contacts above the
  expectation *and* at least MIN_RATIO times it, so a tiny reason going from 0 to 2 is not an
  alarm, nor a huge reason 3 % above its usual level.
- **Dips**: a day far below its expectation (a holiday, a channel down) is never a spike; its
  shortfall is added to the expectation of the following day (catch-up), so the day after a
  holiday, when the backlog arrives, does not alarm either.
- **New reasons**: no verdict before MIN_HISTORY_DAYS of history.

Everything here works on plain dicts {date: count}; motivo.spikes.services reads them from
the roll-up (insights.ReasonDayCount) and stores the findings.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

BASELINE_DAYS = 56  # 8 weeks: every weekday 8 times
MIN_HISTORY_DAYS = 14
MIN_SCORE = 4.0  # −log10 p: p ≤ 0.0001
MIN_RISE = 5  # contacts above the expectation
MIN_RATIO = 1.5  # observed ≥ 1.5 × expected
SHRINK_CONTACTS = 30.0  # pseudo-contacts of the shop's weekday rhythm in a reason's own
PRIOR_CONTACTS = 0.5  # added to the level's contacts: a zero baseline is not exactly zero
OUTLIER_LOG_P = math.log(1e-2)  # baseline days this unlikely are left out of the level
DIP_LOG_P = math.log(1e-2)  # a day this far below its expectation is a dip (catch-up next)
CATCH_UP_DAYS = 3  # consecutive dip days whose shortfall the next day may bring
DISPERSION_PRIOR = 10000.0  # Σ μ² at which a reason's own dispersion weighs as much as the shop's
SHOP_DIP = 0.8  # a day with at most this share of the shop's usual contacts is a dip
MAX_SCORE = 99.0
_LN10 = math.log(10)
_MAX_TERMS = 200_000


# --------------------------------------------------------------------------------------------
# Count-model tails (log space, so tiny probabilities neither underflow nor cancel)
# --------------------------------------------------------------------------------------------


def _log_pmf(k: int, mu: float, inv_size: float) -> float:
    """log P(X = k) for a negative binomial with mean mu and 1/size inv_size (0: Poisson)."""
    if inv_size <= 1e-12:
        return k * math.log(mu) - mu - math.lgamma(k + 1)
    size = 1.0 / inv_size
    return (
        math.lgamma(k + size)
        - math.lgamma(size)
        - math.lgamma(k + 1)
        + size * math.log(size / (size + mu))
        + k * math.log(mu / (size + mu))
    )


def _ratio_up(i: int, mu: float, inv_size: float) -> float:
    """P(X = i + 1) / P(X = i)."""
    if inv_size <= 1e-12:
        return mu / (i + 1)
    size = 1.0 / inv_size
    return (i + size) / (i + 1) * (mu / (size + mu))


def log_upper_tail(k: int, mu: float, inv_size: float = 0.0) -> float:
    """log P(X ≥ k)."""
    if k <= 0:
        return 0.0
    if mu <= 0:
        return -math.inf
    if k <= mu:  # the bulk: 1 − P(X ≤ k − 1), which is not small
        below = math.exp(log_lower_tail(k - 1, mu, inv_size))
        return math.log(max(1.0 - below, 1e-300))
    # Beyond the mean the terms fall: sum them relative to the first one.
    total, term, i = 1.0, 1.0, k
    while i < k + _MAX_TERMS:
        term *= _ratio_up(i, mu, inv_size)
        total += term
        i += 1
        if term < 1e-17 * total:
            break
    return min(0.0, _log_pmf(k, mu, inv_size) + math.log(total))


def log_lower_tail(k: int, mu: float, inv_size: float = 0.0) -> float:
    """log P(X ≤ k)."""
    if k < 0:
        return -math.inf
    if mu <= 0:
        return 0.0
    if k >= mu:
        above = math.exp(log_upper_tail(k + 1, mu, inv_size))
        return math.log(max(1.0 - above, 1e-300))
    # Below the mean the terms fall going down: sum them relative to the first one.
    total, term = 1.0, 1.0
    for i in range(k, 0, -1):
        term /= _ratio_up(i - 1, mu, inv_size)
        total += term
        if term < 1e-17 * total:
            break
    return min(0.0, _log_pmf(k, mu, inv_size) + math.log(total))


def score_of(log_p: float) -> float:
    """−log10 p, capped at MAX_SCORE."""
    return min(MAX_SCORE, max(0.0, -log_p / _LN10))


# --------------------------------------------------------------------------------------------
# Baseline
# --------------------------------------------------------------------------------------------


def window(day: dt.date, days: int = BASELINE_DAYS) -> list[dt.date]:
    """The `days` days before `day`, oldest first."""
    return [day - dt.timedelta(days=days - offset) for offset in range(days)]


def shop_factors(totals: Mapping[dt.date, int], days: Sequence[dt.date]) -> tuple[float, ...]:
    """The shop's weekday rhythm over `days` from its daily totals (every reason): per weekday
    the median of its days, divided by the mean of the seven medians. Flat (all 1) when the
    shop had no contacts."""
    per_weekday: list[list[int]] = [[] for _ in range(7)]
    for day in days:
        per_weekday[day.weekday()].append(totals.get(day, 0))
    medians = [statistics.median(values) if values else 0.0 for values in per_weekday]
    mean = sum(medians) / 7
    if mean <= 0:
        return (1.0,) * 7
    return tuple(max(value / mean, 0.05) for value in medians)


@dataclass(frozen=True)
class Baseline:
    """What a reason's history predicts for any day: level × factors[weekday]."""

    level: float
    factors: tuple[float, ...]
    inv_size: float  # over-dispersion (1/size of the negative binomial); 0 is Poisson
    contacts: int  # contacts of the days kept
    weekday_contacts: tuple[int, ...]
    days: int  # days kept
    left_out: tuple[dt.date, ...]  # outlier days not used
    information: float = 0.0  # Σ μ² over the days kept: how much the dispersion rests on

    def pooled(self, pool: float) -> Baseline:
        """This baseline with its dispersion drawn towards the shop's (`pool`) as far as its
        own estimate is uncertain: a reason with few contacts cannot tell chance variation
        from over-dispersion in 8 weeks, a big one can."""
        weight = self.information / (self.information + DISPERSION_PRIOR)
        return replace(self, inv_size=weight * self.inv_size + (1 - weight) * pool)

    def mean(self, day: dt.date) -> float:
        return self.level * self.factors[day.weekday()]

    def spread(self, day: dt.date) -> float:
        """1/size for a prediction on `day`: the history's over-dispersion plus the relative
        variance of the estimated level and weekday factor."""
        own = self.weekday_contacts[day.weekday()]
        return (
            self.inv_size
            + 1.0 / (self.contacts + PRIOR_CONTACTS)
            + own / (own + SHRINK_CONTACTS) ** 2
        )


def _fit(
    counts: Sequence[int], weekdays: Sequence[int], keep: Sequence[bool], shop: Sequence[float]
) -> tuple[float, list[float], int, list[int], list[int]]:
    """(level, factors, contacts, contacts per weekday, days per weekday) of the days kept:
    the level given the factors, the factors given the level (shrunk towards the shop's),
    three rounds. Works on the seven weekday sums only."""
    own = [0] * 7
    days_on = [0] * 7
    for c, w, k in zip(counts, weekdays, keep, strict=True):
        if k:
            own[w] += c
            days_on[w] += 1
    total = sum(own)
    factors = list(shop)
    level = 0.0
    for _round in range(4):
        exposure = sum(days_on[w] * factors[w] for w in range(7))
        level = (total + PRIOR_CONTACTS) / exposure if exposure else 0.0
        if _round == 3:
            break
        factors = [
            (own[w] + SHRINK_CONTACTS * shop[w]) / (level * days_on[w] + SHRINK_CONTACTS)
            for w in range(7)
        ]
    return level, factors, total, own, days_on


def _dispersion(
    counts: Sequence[int], means: Sequence[float], keep: Sequence[bool], params: int
) -> float:
    """Method-of-moments 1/size: Σ[(c − μ)² − μ] / Σ μ², the squares corrected for the
    parameters fitted; 0 (Poisson) when the counts vary no more than Poisson's."""
    rows = [(c, m) for c, m, k in zip(counts, means, keep, strict=True) if k]
    n = len(rows)
    if n <= params:
        return 0.0
    correction = n / (n - params)
    excess = sum(correction * (c - m) ** 2 - m for c, m in rows)
    squares = sum(m * m for _, m in rows)
    if squares <= 0 or excess <= 0:
        return 0.0
    return min(excess / squares, 4.0)


def _robust_dispersion(counts: Sequence[int], means: Sequence[float]) -> float:
    """1/size from the median absolute deviation of Anscombe residuals (2√(c + 3/8) has
    variance ≈ 1 + μ/size whatever μ): not fooled by a few huge days, so those can then be
    recognised as outliers."""
    rows = [(c, m) for c, m in zip(counts, means, strict=True) if m >= 1.0]
    if len(rows) < MIN_HISTORY_DAYS:
        return 0.0
    residuals = [2 * math.sqrt(c + 0.375) - 2 * math.sqrt(m + 0.375) for c, m in rows]
    centre = statistics.median(residuals)
    scale = 1.4826 * statistics.median(abs(r - centre) for r in residuals)
    mean = statistics.median(m for _, m in rows)
    return min(max(scale * scale - 1.0, 0.0) / mean, 4.0)


def _outlier(count: int, mu: float, spread: float) -> bool:
    """Is `count` beyond OUTLIER_LOG_P on either side? (tails only computed when the count
    is more than two standard deviations away)"""
    sd = math.sqrt(mu + mu * mu * spread)
    if abs(count - mu) <= 2 * sd + 1:
        return False
    if count > mu:
        return log_upper_tail(count, mu, spread) < OUTLIER_LOG_P
    return log_lower_tail(count, mu, spread) < OUTLIER_LOG_P


def fit_baseline(
    counts: Mapping[dt.date, int],
    days: Sequence[dt.date],
    shop: Sequence[float],
    exclude: Collection[dt.date] = (),
) -> Baseline:
    """The baseline of one reason from its counts on `days` (missing days count 0) but the
    `exclude`d ones: fit, recognise the outlier days under a robust spread, fit again
    without them and estimate the spread of the days kept (twice)."""
    if exclude and len(days) - len(set(days) & set(exclude)) >= MIN_HISTORY_DAYS:
        days = [day for day in days if day not in exclude]
    values = [counts.get(day, 0) for day in days]
    weekdays = [day.weekday() for day in days]
    keep = [True] * len(days)
    level, factors, total, own, days_on = _fit(values, weekdays, keep, shop)
    inv_size = _robust_dispersion(values, [level * factors[w] for w in weekdays])
    for _round in range(2):
        spread = inv_size + 1.0 / (total + PRIOR_CONTACTS)
        new_keep = [
            not _outlier(c, level * factors[w], spread)
            for c, w in zip(values, weekdays, strict=True)
        ]
        if sum(new_keep) < MIN_HISTORY_DAYS:
            break
        changed = new_keep != keep
        keep = new_keep
        if changed:
            level, factors, total, own, days_on = _fit(values, weekdays, keep, shop)
        params = 1 + sum(1 for w in range(7) if own[w])
        inv_size = _dispersion(values, [level * factors[w] for w in weekdays], keep, params)
        if not changed:
            break
    return Baseline(
        level=level,
        factors=tuple(factors),
        inv_size=inv_size,
        contacts=total,
        weekday_contacts=tuple(own),
        days=sum(keep),
        left_out=tuple(day for day, k in zip(days, keep, strict=True) if not k),
        information=sum(days_on[w] * (level * factors[w]) ** 2 for w in range(7)),
    )


def pooled_dispersion(baselines: Collection[Baseline]) -> float:
    """The shop's typical over-dispersion: the median of the reasons' own estimates,
    weighted by how much each rests on (0 without reasons)."""
    rows = sorted((b.inv_size, b.information) for b in baselines if b.information > 0)
    total = sum(weight for _, weight in rows)
    running = 0.0
    for value, weight in rows:
        running += weight
        if running >= total / 2:
            return value
    return 0.0


# --------------------------------------------------------------------------------------------
# One day's verdict
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    min_score: float = MIN_SCORE
    min_rise: int = MIN_RISE
    min_ratio: float = MIN_RATIO


DEFAULT = Thresholds()


def quantile(q: float, mu: float, inv_size: float) -> int:
    """The smallest k with P(X ≤ k) ≥ q, searched from the normal approximation."""
    if mu <= 0:
        return 0
    sd = math.sqrt(mu + mu * mu * inv_size)
    z = statistics.NormalDist().inv_cdf(q)
    k = max(0, int(mu + z * sd))
    log_q = math.log(q)
    if log_lower_tail(k, mu, inv_size) >= log_q:
        while k > 0 and log_lower_tail(k - 1, mu, inv_size) >= log_q:
            k -= 1
        return k
    while log_lower_tail(k, mu, inv_size) < log_q:
        k += 1
    return k


def limits(mu: float, inv_size: float) -> tuple[int, int]:
    """The expected band: the 2.5 % and 97.5 % quantiles."""
    return quantile(0.025, mu, inv_size), quantile(0.975, mu, inv_size)


def shop_dips(totals: Mapping[dt.date, int], day: dt.date, shop: Sequence[float]) -> set[dt.date]:
    """The days of the BASELINE_DAYS before `day` on which the whole shop had at most
    SHOP_DIP of its usual contacts (a holiday, an outage), from its own baseline."""
    days = window(day)
    baseline = fit_baseline(totals, days, shop)
    return {
        previous
        for previous in days
        if baseline.mean(previous) > 0
        and totals.get(previous, 0) <= SHOP_DIP * baseline.mean(previous)
    }


def unusual_days(dips: Collection[dt.date]) -> set[dt.date]:
    """Days left out of every reason's baseline: the shop's dips and the day after each
    (when the backlog arrives)."""
    return set(dips) | {day + dt.timedelta(days=1) for day in dips}


def catch_up(
    counts: Mapping[dt.date, int],
    day: dt.date,
    baseline: Baseline,
    dips: Collection[dt.date] = (),
) -> float:
    """The shortfall of the dip days directly before `day` (at most CATCH_UP_DAYS): contacts
    that did not come then and may come now. A day is a dip for the reason when the whole
    shop dipped (`dips`) or when the reason itself was far below its expectation."""
    shortfall = 0.0
    for back in range(1, CATCH_UP_DAYS + 1):
        previous = day - dt.timedelta(days=back)
        mu = baseline.mean(previous)
        observed = counts.get(previous, 0)
        if previous not in dips:
            spread = baseline.spread(previous)
            if observed >= mu - math.sqrt(mu + mu * mu * spread):
                break  # not even one standard deviation below: no dip
            if log_lower_tail(observed, mu, spread) >= DIP_LOG_P:
                break
        shortfall += max(0.0, mu - observed)
    return shortfall


@dataclass(frozen=True)
class Prediction:
    """What one reason's history predicts for a whole day."""

    day: dt.date
    mean: float  # baseline × weekday factor + catch-up
    spread: float  # 1/size of the negative binomial around it
    catch_up: float
    baseline: Baseline


def reason_baseline(
    counts: Mapping[dt.date, int],
    *,
    day: dt.date,
    shop: Sequence[float],
    history_start: dt.date | None,
    exclude: Collection[dt.date] = (),
    days: Sequence[dt.date] | None = None,
) -> Baseline | None:
    """The baseline for `day` from the reason's daily `counts` over the BASELINE_DAYS before
    it (missing days count 0), without the `exclude`d days (see `unusual_days`). None when
    the reason has fewer than MIN_HISTORY_DAYS of history (`history_start`: its first day;
    None if unknown). `days`: window(day), when the caller has it already."""
    if history_start is None or (day - history_start).days < MIN_HISTORY_DAYS:
        return None
    days = window(day) if days is None else days
    if history_start > days[0]:
        days = [d for d in days if d >= history_start]
    return fit_baseline(counts, days, shop, exclude)


def predict(
    counts: Mapping[dt.date, int],
    baseline: Baseline,
    *,
    day: dt.date,
    dips: Collection[dt.date] = (),
) -> Prediction:
    """The whole-day prediction for `day`: the baseline, plus the catch-up after a dip."""
    extra = catch_up(counts, day, baseline, dips)
    return Prediction(
        day=day,
        mean=baseline.mean(day) + extra,
        spread=baseline.spread(day),
        catch_up=extra,
        baseline=baseline,
    )


MIN_CLOCK = 20.0  # expected contacts of the other reasons needed to read the day factor
CLOCK_OUTLIER_LOG_P = math.log(1e-3)  # reasons this far above the day are not the clock


@dataclass(frozen=True)
class DayFactor:
    """How far the day (or the part of it so far) has got, read from the *other* reasons:
    their contacts ÷ their whole-day predictions, at most 1. Below 1 on a holiday, and while
    the day is still running (the share of the day's contacts in by now); 1 on an ordinary
    closed day. Never above 1, so a busy day for everyone hides no one's spike."""

    value: float = 1.0
    spread: float = 0.0  # the relative variance of `value`


NO_FACTOR = DayFactor()


def day_factors(
    observed: Mapping[int, int], predicted: Mapping[int, float]
) -> dict[int, DayFactor]:
    """The day factor of every key of `predicted`, each from all the others (leave one out,
    so a reason's own spike does not move its own yardstick). Reasons far above the first
    reading (other spikes that day) are left out of the clock too. NO_FACTOR when the other
    reasons are expected to have fewer than MIN_CLOCK contacts."""
    total_observed = sum(observed.get(key, 0) for key in predicted)
    total_expected = sum(predicted.values())
    if total_expected <= 0:
        return dict.fromkeys(predicted, NO_FACTOR)
    first = total_observed / total_expected
    for key, mean in predicted.items():
        count = observed.get(key, 0)
        if count > first * mean and log_upper_tail(count, first * mean) < CLOCK_OUTLIER_LOG_P:
            total_observed -= count
            total_expected -= mean
            predicted = {**predicted, key: 0.0}  # out of the clock, still judged
            observed = {**observed, key: 0}
    result = {}
    for key, mean in predicted.items():
        others_expected = total_expected - mean
        others_observed = total_observed - observed.get(key, 0)
        if others_expected < MIN_CLOCK:
            result[key] = NO_FACTOR
            continue
        value = others_observed / others_expected
        if value >= 1.0:
            result[key] = NO_FACTOR
        else:
            result[key] = DayFactor(value=value, spread=1.0 / (others_observed + 1))
    return result


@dataclass(frozen=True)
class Finding:
    """The verdict on one reason and day (or the part of a day so far)."""

    day: dt.date
    observed: int
    expected: float  # the prediction × the day factor
    spread: float  # 1/size of the negative binomial around `expected`
    score: float  # −log10 P(X ≥ observed)
    significant: bool
    catch_up: float  # contacts added to the expectation after a dip
    factor: float = 1.0  # the day factor applied


def judge(
    prediction: Prediction,
    observed: int,
    *,
    factor: DayFactor = NO_FACTOR,
    thresholds: Thresholds = DEFAULT,
) -> Finding:
    """Is `observed` a spike against the prediction scaled by the day factor?"""
    mu = prediction.mean * factor.value
    spread = prediction.spread + factor.spread
    score = score_of(log_upper_tail(observed, mu, spread))
    significant = (
        score >= thresholds.min_score
        and observed - mu >= thresholds.min_rise
        and observed >= thresholds.min_ratio * mu
    )
    return Finding(
        day=prediction.day,
        observed=observed,
        expected=mu,
        spread=spread,
        score=score,
        significant=significant,
        catch_up=prediction.catch_up * factor.value,
        factor=factor.value,
    )


def judge_day(
    counts: Mapping[int, Mapping[dt.date, int]],
    *,
    day: dt.date,
    shop_totals: Mapping[dt.date, int],
    history_starts: Mapping[int, dt.date | None],
    today: Mapping[int, int] | None = None,
    thresholds: Thresholds = DEFAULT,
) -> dict[int, Finding]:
    """The verdict on `day` for every reason of `history_starts` (key: any reason id) from
    their daily `counts` and the shop's daily totals (every reason; for the weekday rhythm).
    `today`: the counts of a day still running (default: counts[reason][day])."""
    days = window(day)
    shop = shop_factors(shop_totals, days)
    dips = shop_dips(shop_totals, day, shop)
    unusual = unusual_days(dips)
    usual_days = [d for d in days if d not in unusual]  # once for every reason
    if len(usual_days) < MIN_HISTORY_DAYS:
        usual_days = days
    baselines = {}
    for key, start in history_starts.items():
        baseline = reason_baseline(
            counts.get(key, {}), day=day, shop=shop, history_start=start, days=usual_days
        )
        if baseline is not None:
            baselines[key] = baseline
    pool = pooled_dispersion(baselines.values())
    predictions = {
        key: predict(counts.get(key, {}), baseline.pooled(pool), day=day, dips=dips)
        for key, baseline in baselines.items()
    }
    if today is None:
        today = {key: counts.get(key, {}).get(day, 0) for key in predictions}
    factors = day_factors(today, {key: p.mean for key, p in predictions.items()})
    return {
        key: judge(prediction, today.get(key, 0), factor=factors[key], thresholds=thresholds)
        for key, prediction in predictions.items()
    }
