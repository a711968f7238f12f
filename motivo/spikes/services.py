"""Writes of spike alerts: detection runs (idempotent), acknowledge and close, the owner's
notice and mail.

`spikes_detect` judges the closed days asked for and today so far, from the roll-up
(motivo.spikes.selectors.history → insights.selectors.daily_counts), with
motivo.spikes.detection. A significant day of a reason:
- that already belongs to one of its alerts updates that alert (a spike growing during the
  day, a day judged again after late classifications);
- that follows the last day of one of its alerts that is not closed, directly or after
  GAP_DAYS quiet days, extends it;
- otherwise raises a new alert (unique per reason and first day), whose owner is notified
  once — unless the alert is older than NOTIFY_DAYS (a backfill of past days).
Running it again with the same roll-up changes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from motivo.accounts.models import Notification, User
from motivo.core.errors import DomainError
from motivo.core.tasks import enqueue_on_commit
from motivo.spikes import detection, events, selectors
from motivo.spikes.models import SpikeAlert

NOTIFY_DAYS = 2  # alerts whose last day is older than this many days are not notified
# A spike resumes its alert after at most this many quiet days (an incident over a weekend,
# when the reason's volume is too small to be significant on the Sunday, stays one alert).
GAP_DAYS = 1
MAIL_KIND = "spike"


@dataclass
class DetectResult:
    days: list[dt.date] = field(default_factory=list)
    judged: int = 0  # reason-days judged
    significant: int = 0
    raised: list[int] = field(default_factory=list)  # alert ids
    updated: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _entry(finding: detection.Finding, *, running: bool, as_of: dt.datetime) -> dict:
    return {
        "day": finding.day.isoformat(),
        "observed": finding.observed,
        "expected": round(finding.expected, 2),
        "score": round(finding.score, 2),
        "significant": finding.significant,
        "running": running,
        "as_of": as_of.isoformat(timespec="seconds"),
    }


def _same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k != "as_of"} == {
        k: v for k, v in b.items() if k != "as_of"
    }


def _apply_peak(alert: SpikeAlert) -> None:
    """The alert's figures are its strongest day's: the significant day with the highest
    score (any day, if none is significant any more)."""
    entries = alert.days
    pool = [e for e in entries if e["significant"]] or entries
    peak = max(pool, key=lambda e: (e["score"], e["day"]))
    alert.peak_day = dt.date.fromisoformat(peak["day"])
    alert.observed = peak["observed"]
    alert.expected = peak["expected"]
    alert.score = peak["score"]
    alert.running = peak["running"]


class _Recorder:
    """Applies the findings of one run to the alerts, reading each reason's recent alerts
    once."""

    def __init__(self, *, first_day: dt.date, now: dt.datetime, notify: bool) -> None:
        self.now = now
        self.today = timezone.localtime(now).date()
        self.notify = notify
        self.result = DetectResult()
        self.alerts: dict[int, list[SpikeAlert]] = {}
        self.seen: dict[tuple[int, dt.date], dict] = {}  # this run's entries
        recent = SpikeAlert.objects.filter(last_day__gte=first_day - dt.timedelta(days=1))
        for alert in recent.order_by("day"):
            self.alerts.setdefault(alert.reason_id, []).append(alert)

    def record(self, reason_id: int, finding: detection.Finding) -> None:
        running = finding.day >= self.today
        entry = _entry(finding, running=running, as_of=self.now)
        self.seen[(reason_id, finding.day)] = entry
        alerts = self.alerts.setdefault(reason_id, [])
        covering = next((a for a in alerts if a.day <= finding.day <= a.last_day), None)
        if covering is not None:
            self._update(covering, entry)
            return
        if not finding.significant:
            return
        earliest = finding.day - dt.timedelta(days=1 + GAP_DAYS)
        previous = next(
            (
                a
                for a in alerts
                if earliest <= a.last_day < finding.day and a.status != SpikeAlert.Status.CLOSED
            ),
            None,
        )
        if previous is not None:
            gap = [
                self.seen[(reason_id, day)]
                for day in _days_between(previous.last_day, finding.day)
                if (reason_id, day) in self.seen
            ]
            self._extend(previous, finding.day, [*gap, entry])
            return
        alert = self._raise(reason_id, finding, entry)
        if alert is not None:
            alerts.append(alert)

    def _update(self, alert: SpikeAlert, entry: dict) -> None:
        index = next((i for i, e in enumerate(alert.days) if e["day"] == entry["day"]), None)
        if index is not None and _same(alert.days[index], entry):
            return  # nothing new: no write, no lock
        with transaction.atomic():
            _lock(alert)
            self._put(alert, entry)
            alert.save()
        self.result.updated.append(alert.pk)

    def _put(self, alert: SpikeAlert, entry: dict) -> None:
        days = [e for e in alert.days if e["day"] != entry["day"]]
        alert.days = sorted([*days, entry], key=lambda e: e["day"])
        _apply_peak(alert)

    def _extend(self, alert: SpikeAlert, day: dt.date, entries: list[dict]) -> None:
        with transaction.atomic():
            _lock(alert)
            extended = alert.last_day < day  # not done meanwhile by a concurrent run
            for entry in entries:
                self._put(alert, entry)
            alert.last_day = max(alert.last_day, day)
            alert.save()
            if extended:
                events.alert_extended_event(alert=alert)
        self.result.updated.append(alert.pk)

    def _raise(self, reason_id: int, finding: detection.Finding, entry: dict) -> SpikeAlert | None:
        alert = SpikeAlert(
            reason_id=reason_id,
            day=finding.day,
            last_day=finding.day,
            peak_day=finding.day,
            observed=finding.observed,
            expected=entry["expected"],
            score=entry["score"],
            running=entry["running"],
            days=[entry],
        )
        try:
            with transaction.atomic():
                alert.save()
                events.alert_raised_event(alert=alert)
                recent = (self.today - alert.last_day).days <= NOTIFY_DAYS
                notified = self.notify and recent and alert_notify(alert=alert)
        except IntegrityError:  # raised meanwhile by a concurrent run: update that one
            existing = SpikeAlert.objects.get(reason_id=reason_id, day=finding.day)
            self.alerts[reason_id].append(existing)
            self._update(existing, entry)
            return None
        self.result.raised.append(alert.pk)
        if notified:
            self.result.notified.append(alert.pk)
        return alert


def _lock(alert: SpikeAlert) -> None:
    """Lock the alert's row and read it again (another run may have changed it)."""
    alert.refresh_from_db(from_queryset=SpikeAlert.objects.select_for_update())


def _days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days strictly between `first` and `last`."""
    return [first + dt.timedelta(days=i) for i in range(1, (last - first).days)]


def _days_to_judge(today: dt.date, days: Iterable[dt.date] | None) -> list[dt.date]:
    if days is None:
        return [today - dt.timedelta(days=1), today]
    return sorted({day for day in days if day <= today})


def spikes_detect(
    *,
    now: dt.datetime | None = None,
    days: Iterable[dt.date] | None = None,
    notify: bool = True,
) -> DetectResult:
    """Judge every active reason on `days` (default: yesterday, closed, and today so far),
    oldest first, and raise, extend or update alerts (see the module doc). Days after today
    are ignored. Reads the roll-up once for all days; idempotent. The judging holds no
    transaction: only the few alerts that change are written, each in a short one, so a
    run never keeps the ingest waiting for the database."""
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    judged_days = _days_to_judge(today, days)
    if not judged_days:
        return DetectResult()
    reason_ids = selectors.judged_reason_ids()
    data = selectors.history(
        date_from=judged_days[0] - dt.timedelta(days=detection.BASELINE_DAYS),
        date_to=judged_days[-1],
        reason_ids=reason_ids,
    )
    starts = {reason_id: data.starts.get(reason_id) for reason_id in reason_ids}
    findings = []
    for day in judged_days:
        verdicts = detection.judge_day(
            data.counts, day=day, shop_totals=data.totals, history_starts=starts
        )
        findings += [(reason_id, verdicts[reason_id]) for reason_id in sorted(verdicts)]
    recorder = _Recorder(first_day=judged_days[0], now=now, notify=notify)
    result = recorder.result
    result.days = judged_days
    for reason_id, finding in findings:
        result.judged += 1
        result.significant += finding.significant
        recorder.record(reason_id, finding)
    result.seconds = time.perf_counter() - started
    return result


def spikes_backfill(
    *, since: dt.date, until: dt.date | None = None, notify: bool = True
) -> DetectResult:
    """Judge every day from `since` to `until` (default today), e.g. after an import or for
    the demo. Alerts older than NOTIFY_DAYS are recorded without telling anyone."""
    until = until or timezone.localdate()
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    return spikes_detect(days=days, notify=notify)


# --------------------------------------------------------------------------------------------
# Notice and mail
# --------------------------------------------------------------------------------------------


def _notice_text(alert: SpikeAlert) -> str:
    return _("“%(reason)s”: %(observed)s contacts on %(day)s, about %(expected)s expected") % {
        "reason": alert.reason.name,
        "observed": alert.observed,
        "day": date_format(alert.peak_day, "DATE_FORMAT"),
        "expected": f"{alert.expected:.0f}",
    }


def alert_notify(*, alert: SpikeAlert) -> bool:
    """Tell the people who answer for the alert's reason (selectors.alert_recipients): an
    in-app notice and a mail in their language, once per alert. False when nobody is told
    (already told, or no one to tell)."""
    alert = (
        SpikeAlert.objects.select_for_update(of=("self",))  # PostgreSQL: no outer-join lock
        .select_related("reason__owner_person", "reason__owner")
        .get(pk=alert.pk)
    )
    if alert.notified_at is not None:
        return False
    users = selectors.alert_recipients(reason=alert.reason)
    if not users:
        return False
    link = reverse("spikes:detail", args=[alert.pk])
    notices = []
    for user in users:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = _notice_text(alert)
        notices.append(
            Notification(user=user, kind=Notification.Kind.SPIKE, link=link, text=text[:300])
        )
    Notification.objects.bulk_create(notices)
    alert.notified_at = timezone.now()
    alert.save(update_fields=["notified_at", "updated_at"])
    events.alert_notified_event(alert=alert, users=users)
    from motivo.spikes.tasks import send_spike_email

    for user in users:
        if user.email:
            enqueue_on_commit(send_spike_email, alert.pk, user.pk)
    return True


def spike_email_send(*, alert: SpikeAlert, user: User):  # -> OutboundEmail | None
    """Mail `user`, in their language, about the alert, with a link to its page."""
    from motivo.mail.outbound import email_send

    if not user.email:
        return None
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "alert": alert,
            "user": user,
            "url": settings.SITE_URL.rstrip("/") + reverse("spikes:detail", args=[alert.pk]),
        }
        subject = render_to_string("spikes/email/spike_subject.txt", context).strip()
        body = render_to_string("spikes/email/spike.txt", context)
    return email_send(kind=MAIL_KIND, to=user.email, subject=subject, body=body)


# --------------------------------------------------------------------------------------------
# Acknowledge and close
# --------------------------------------------------------------------------------------------


def _locked(alert: SpikeAlert) -> SpikeAlert:
    return SpikeAlert.objects.select_for_update().select_related("reason").get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, alert: SpikeAlert, actor: User) -> SpikeAlert:
    """Someone is on it: an open alert becomes acknowledged, with who and when."""
    alert = _locked(alert)
    if alert.status == SpikeAlert.Status.ACKNOWLEDGED:
        raise DomainError(_("This alert is already acknowledged."), code="conflict")
    if alert.status == SpikeAlert.Status.CLOSED:
        raise DomainError(_("This alert is closed."), code="conflict")
    alert.status = SpikeAlert.Status.ACKNOWLEDGED
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.save()
    events.alert_acknowledged_event(alert=alert, actor=actor)
    return alert


CLOSE_NOTE_MAX = 500


@transaction.atomic
def alert_close(*, alert: SpikeAlert, actor: User, note: str = "") -> SpikeAlert:
    """Done with it (explained, fixed, or a false alarm — say which in `note`). A closed
    alert is not extended: if the reason spikes again the next day, that is a new alert."""
    alert = _locked(alert)
    if alert.status == SpikeAlert.Status.CLOSED:
        raise DomainError(_("This alert is already closed."), code="conflict")
    note = note.strip()
    if len(note) > CLOSE_NOTE_MAX:
        raise DomainError(
            _("Keep the note under %(max)s characters.") % {"max": CLOSE_NOTE_MAX}, field="note"
        )
    alert.status = SpikeAlert.Status.CLOSED
    alert.closed_by = actor
    alert.closed_at = timezone.now()
    alert.save()
    events.alert_closed_event(alert=alert, actor=actor, note=note)
    return alert
