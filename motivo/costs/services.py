"""Writes of the costs app: channel costs, goodwill, and the call-seconds roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases.models import Case, Contact
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.costs.models import CallTally, ChannelCost, Goodwill, ReasonDayCallSeconds
from motivo.insights.services import local_day
from motivo.voice.models import Call

MAX_AMOUNT = Decimal("99999999.99")
MAX_GOODWILL = Decimal("100000")


def _amount(value: object, *, field: str, places: int = 2, allow_zero: bool = True) -> Decimal:
    """A non-negative decimal with at most `places` decimals, or a DomainError on `field`."""
    try:
        amount = Decimal(str(value).strip().replace(",", ".")) if value not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(_("Give an amount, e.g. 4.50."), field=field, code="invalid")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(_("The amount must be more than zero."), field=field, code="invalid")
    if amount > MAX_AMOUNT:
        raise DomainError(_("The amount is too large."), field=field, code="invalid")
    if -amount.as_tuple().exponent > places:
        raise DomainError(
            _("Use at most %(places)d decimals.") % {"places": places}, field=field, code="invalid"
        )
    return amount


# ---------------------------------------------------------------------------- channel costs


@transaction.atomic
def channel_cost_set(
    *,
    channel: str,
    effective_from: dt.date,
    per_contact: object,
    per_minute: object = 0,
    note: str = "",
    actor: User | None,
) -> ChannelCost:
    """Set what a contact through `channel` costs from `effective_from` on (and, for phone,
    each call minute). Earlier days keep the cost that was in force on them: the date may not
    be in the past, except for a channel's first cost (initial set-up may be backdated).
    A second change for the same channel and date replaces the first."""
    if channel not in Channel.values:
        raise DomainError(_("Choose a channel."), field="channel")
    if effective_from is None:
        raise DomainError(_("Give the date the cost applies from."), field="effective_from")
    per_contact = _amount(per_contact, field="per_contact")
    per_minute = _amount(per_minute or 0, field="per_minute", places=4)
    if channel != Channel.PHONE and per_minute:
        raise DomainError(_("Only phone calls have a cost per minute."), field="per_minute")
    existing = ChannelCost.objects.select_for_update().filter(channel=channel)
    if existing.exists() and effective_from < timezone.localdate():
        raise DomainError(
            _(
                "A cost change applies from today or a later day: past periods keep the cost "
                "that applied then."
            ),
            field="effective_from",
        )
    note = (note or "").strip()[:200]
    row, _created = ChannelCost.objects.update_or_create(
        channel=channel,
        effective_from=effective_from,
        defaults={
            "per_contact": per_contact,
            "per_minute": per_minute,
            "note": note,
            "created_by": actor,
        },
    )
    return row


# ---------------------------------------------------------------------------- goodwill


@transaction.atomic
def goodwill_give(
    *, case: Case, contact: Contact, amount: object, agent: User | None, note: str = ""
) -> Goodwill:
    """Record goodwill (credit, refund, gift) given to the customer for one contact of the
    case. It adds to the cost of the contact's reason on today's local day; when the contact
    is later given another reason, the goodwill follows it."""
    if contact.case_id != case.pk:
        raise DomainError(_("Choose a contact of this case."), field="contact")
    amount = _amount(amount, field="amount", allow_zero=False)
    if amount > MAX_GOODWILL:
        raise DomainError(_("The amount is too large."), field="amount", code="invalid")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(_("The note is too long (500 characters at most)."), field="note")
    now = timezone.now()
    return Goodwill.objects.create(
        case=case,
        contact=contact,
        reason_id=contact.reason_id,
        day=local_day(now),
        amount=amount,
        note=note,
        agent=agent,
        created_at=now,
    )


# ---------------------------------------------------------------------------- call seconds


def _seconds_add(*, day: dt.date, reason_id: int, seconds: int, calls: int) -> None:
    keys = {"day": day, "reason_id": reason_id}
    changes = {"seconds": F("seconds") + seconds, "calls": F("calls") + calls}
    if ReasonDayCallSeconds.objects.filter(**keys).update(**changes):
        return
    try:
        with transaction.atomic():
            ReasonDayCallSeconds.objects.create(seconds=seconds, calls=calls, **keys)
    except IntegrityError:  # created concurrently: add to it instead
        ReasonDayCallSeconds.objects.filter(**keys).update(**changes)


@transaction.atomic
def call_seconds_sync(*, call: Call) -> None:
    """Make the call-seconds roll-up count `call` as it is now: its seconds on its contact's
    local day and reason (nothing while it has no contact with a reason). Idempotent; the
    voice services call it after writing a call's contact or duration."""
    target = None
    contact = (
        Contact.objects.only("received_at", "reason_id").filter(pk=call.contact_id).first()
        if call.contact_id
        else None
    )
    if contact is not None and contact.reason_id is not None and call.duration_seconds:
        target = (local_day(contact.received_at), contact.reason_id, call.duration_seconds)
    tally = CallTally.objects.select_for_update().filter(call_id=call.pk).first()
    current = (tally.day, tally.reason_id, tally.seconds) if tally else None
    if current == target:
        return
    if tally is not None:
        _seconds_add(day=tally.day, reason_id=tally.reason_id, seconds=-tally.seconds, calls=-1)
    if target is None:
        if tally is not None:
            tally.delete()
        return
    day, reason_id, seconds = target
    _seconds_add(day=day, reason_id=reason_id, seconds=seconds, calls=1)
    CallTally.objects.update_or_create(
        call_id=call.pk, defaults={"day": day, "reason_id": reason_id, "seconds": seconds}
    )


def contact_reason_moved(*, contact: Contact) -> None:
    """The contact's reason changed (cases.services.contact_set_reason, same transaction):
    its goodwill and its call's seconds move to the new reason."""
    Goodwill.objects.filter(contact_id=contact.pk).update(reason_id=contact.reason_id)
    if contact.channel == Channel.PHONE:
        call = Call.objects.filter(contact_id=contact.pk).only("contact_id", "duration_seconds")
        for found in call:
            call_seconds_sync(call=found)
