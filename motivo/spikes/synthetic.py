"""Generated daily counts with a weekday rhythm, holidays and planted spikes, to measure the
detector (motivo/spikes/tests and bench/spikes.py). Pure Python; deterministic per seed."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from motivo.spikes import detection

# Monday .. Sunday: a Monday peak and quiet weekends, like the demo shop.
WEEKDAY = (1.35, 1.15, 1.05, 1.0, 0.9, 0.5, 0.35)
HOLIDAY_FACTOR = 0.45
CATCH_UP_SHARE = 0.5  # of a holiday's missing contacts come the next day


def poisson(rng: random.Random, mu: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal beyond 60)."""
    if mu <= 0:
        return 0
    if mu > 60:
        return max(0, round(rng.gauss(mu, math.sqrt(mu))))
    limit, k, product = math.exp(-mu), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@dataclass(frozen=True)
class Spike:
    reason: int
    day: dt.date
    extra: int  # contacts added on top of the usual ones


@dataclass
class Dataset:
    first_day: dt.date
    days: int
    counts: list[dict[dt.date, int]]  # per reason
    means: list[dict[dt.date, float]]  # the true expectation per reason and day
    spikes: list[Spike] = field(default_factory=list)
    holidays: set[dt.date] = field(default_factory=set)

    @property
    def day_list(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=i) for i in range(self.days)]

    def totals(self) -> dict[dt.date, int]:
        result: dict[dt.date, int] = {}
        for counts in self.counts:
            for day, n in counts.items():
                result[day] = result.get(day, 0) + n
        return result


def generate(
    *,
    reasons: int = 50,
    days: int = 180,
    seed: int = 1,
    first_day: dt.date = dt.date(2025, 1, 6),
    holidays: int = 4,
    spikes: int = 0,
    min_extra: int = 12,
    multiplier: tuple[float, float] = (2.0, 4.0),
    dispersion: float = 0.0,
    trend: float = 0.2,
) -> Dataset:
    """Poisson counts (gamma-Poisson when `dispersion` > 0, the negative binomial's 1/size)
    for `reasons` reasons over `days` days. Levels are log-uniform between 0.3 and 80 contacts
    a day; each reason has the shop's weekday rhythm with its own small deviation and a
    linear trend of up to ±`trend` over the period. `holidays` weekdays drop to
    HOLIDAY_FACTOR for every reason, and half of the missing contacts come the next day.
    `spikes` spikes are planted after the first BASELINE_DAYS days, on random reasons and
    days, lasting one to three days: each day gets max(min_extra, (m − 1) × mean) contacts
    more, m drawn from `multiplier`."""
    rng = random.Random(seed)
    day_list = [first_day + dt.timedelta(days=i) for i in range(days)]
    weekdays = [day for day in day_list[detection.BASELINE_DAYS :] if day.weekday() < 5]
    holiday_days = set(rng.sample(day_list[14:], min(holidays, len(day_list) - 14)))
    holiday_days = {day for day in holiday_days if day.weekday() < 5} | set(
        rng.sample(weekdays, min(holidays // 2, len(weekdays)))
    )
    data = Dataset(first_day=first_day, days=days, counts=[], means=[], holidays=holiday_days)
    for _reason in range(reasons):
        level = math.exp(rng.uniform(math.log(0.3), math.log(80)))
        own = [factor * math.exp(rng.gauss(0, 0.08)) for factor in WEEKDAY]
        slope = rng.uniform(-trend, trend)
        means: dict[dt.date, float] = {}
        for index, day in enumerate(day_list):
            mu = level * own[day.weekday()] * (1 + slope * (index / days - 0.5))
            means[day] = mu
        for day in day_list:
            if day in holiday_days:
                missing = means[day] * (1 - HOLIDAY_FACTOR)
                means[day] *= HOLIDAY_FACTOR
                after = day + dt.timedelta(days=1)
                if after in means and after not in holiday_days:
                    means[after] += missing * CATCH_UP_SHARE
        counts = {}
        for day, mu in means.items():
            rate = mu * rng.gammavariate(1 / dispersion, dispersion) if dispersion else mu
            n = poisson(rng, rate)
            if n:
                counts[day] = n
        data.counts.append(counts)
        data.means.append(means)
    candidates = day_list[detection.BASELINE_DAYS : -3]
    taken: set[tuple[int, dt.date]] = set()
    while len(data.spikes) < spikes and candidates:
        reason = rng.randrange(reasons)
        start = rng.choice(candidates)
        length = rng.choice((1, 1, 2, 3))
        run = [start + dt.timedelta(days=i) for i in range(length)]
        if any(
            (reason, day + dt.timedelta(days=shift)) in taken
            for day in run
            for shift in range(-2, 3)
        ):
            continue  # runs of one reason do not touch
        m = rng.uniform(*multiplier)
        for day in run:
            extra = max(min_extra, round((m - 1) * data.means[reason][day]))
            data.counts[reason][day] = data.counts[reason].get(day, 0) + extra
            data.spikes.append(Spike(reason=reason, day=day, extra=extra))
            taken.add((reason, day))
    return data


@dataclass
class Measure:
    tested: int = 0  # reason-days judged
    alarms: int = 0  # significant days that are not planted spikes
    planted: int = 0
    found: int = 0
    missed: list[Spike] = field(default_factory=list)
    false_alarms: list[tuple[int, dt.date, int, float]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def per_thousand(self) -> float:
        clean = self.tested - self.planted
        return 1000 * self.alarms / clean if clean else 0.0


def findings(
    data: Dataset, *, start: int = detection.BASELINE_DAYS
) -> Iterator[tuple[int, detection.Finding]]:
    """(reason index, finding) for every reason and day from day `start` on."""
    totals = data.totals()
    counts = dict(enumerate(data.counts))
    starts = dict.fromkeys(counts, data.first_day)
    for day in data.day_list[start:]:
        verdicts = detection.judge_day(counts, day=day, shop_totals=totals, history_starts=starts)
        yield from verdicts.items()


def measure(data: Dataset, *, start: int = detection.BASELINE_DAYS) -> Measure:
    """Run the detector over every reason-day from day `start` on and compare with the
    planted spikes."""
    planted = {(spike.reason, spike.day): spike for spike in data.spikes}
    result = Measure(planted=len(planted))
    for reason, finding in findings(data, start=start):
        result.tested += 1
        spike = planted.get((reason, finding.day))
        if spike is not None:
            if finding.significant:
                result.found += 1
            else:
                result.missed.append(spike)
        elif finding.significant:
            result.alarms += 1
            result.false_alarms.append(
                (reason, finding.day, finding.observed, round(finding.expected, 1))
            )
    return result


def so_far(data: Dataset, day: dt.date, share: float, rng: random.Random) -> dict[int, int]:
    """The counts of `day` at the moment `share` of its contacts are in (each contact in with
    probability `share`), per reason index: a day still running."""
    result = {}
    for reason, counts in enumerate(data.counts):
        n = counts.get(day, 0)
        result[reason] = sum(1 for _ in range(n) if rng.random() < share)
    return result


def measure_intraday(data: Dataset, *, share: float, seed: int = 7) -> Measure:
    """The detector on every day from BASELINE_DAYS on as if it were `share` through: each
    day's counts thinned to that share, the earlier days whole."""
    rng = random.Random(seed)
    planted = {(spike.reason, spike.day) for spike in data.spikes}
    result = Measure(planted=len(planted))
    totals = data.totals()
    counts = dict(enumerate(data.counts))
    starts = dict.fromkeys(counts, data.first_day)
    for day in data.day_list[detection.BASELINE_DAYS :]:
        today = so_far(data, day, share, rng)
        partial_totals = {**totals, day: sum(today.values())}
        verdicts = detection.judge_day(
            counts, day=day, shop_totals=partial_totals, history_starts=starts, today=today
        )
        for reason, finding in verdicts.items():
            result.tested += 1
            if (reason, day) in planted:
                result.found += finding.significant
            elif finding.significant:
                result.alarms += 1
                result.false_alarms.append(
                    (reason, day, finding.observed, round(finding.expected, 1))
                )
    return result
