"""Writes for the taxonomy and departments (managers only: the views check the role)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from motivo.accounts.models import STAFF_ROLES, User
from motivo.core.errors import DomainError
from motivo.reasons import events
from motivo.reasons.models import Action, Department, Rating, Reason, ReasonCategory


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


# Default of `reason_save(owner_person=..., examples=...)`: keep the value as it is.
UNCHANGED: Final = _Unchanged()

MAX_EXAMPLES = 50
MAX_EXAMPLE_LENGTH = 300


def _save_unique(instance: Model, duplicate_message: str) -> None:
    """Save `instance`; a clash with a unique constraint on its name becomes a DomainError
    on the `name` field (the savepoint keeps the caller's transaction usable)."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise DomainError(duplicate_message, field="name") from exc


@transaction.atomic
def department_save(
    *, name: str, email: str = "", department: Department | None = None
) -> Department:
    name = name.strip()
    if not name:
        raise DomainError(_("A department needs a name."), field="name")
    department = department or Department()
    department.name, department.email = name, email.strip()
    _save_unique(department, _("There is already a department with that name."))
    return department


@transaction.atomic
def category_save(
    *, name: str, position: int = 0, category: ReasonCategory | None = None
) -> ReasonCategory:
    name = name.strip()
    if not name:
        raise DomainError(_("A category needs a name."), field="name")
    category = category or ReasonCategory()
    category.name, category.position = name, position
    _save_unique(category, _("There is already a category with that name."))
    return category


@transaction.atomic
def reason_save(
    *,
    category: ReasonCategory,
    name: str,
    owner: Department | None,
    action: str,
    description: str = "",
    active: bool = True,
    reason: Reason | None = None,
    owner_person: User | _Unchanged | None = UNCHANGED,
    examples: Sequence[str] | _Unchanged = UNCHANGED,
    actor: User | None = None,
) -> Reason:
    """Create or change a reason. Each change of name, category, owner (department or
    person), action, active flag, description or example phrases writes its typed event
    (`reasons/events.py`); a save that changes none of them writes none. `owner_person` and
    `examples` left out keep the current ones."""
    name = name.strip()
    if not name:
        raise DomainError(_("A reason needs a name."), field="name")
    if action not in Action.values:
        raise DomainError(_("Unknown action."), field="action")
    creating = reason is None or reason.pk is None
    reason = reason or Reason()
    before = (
        None
        if creating
        else Reason.objects.select_related("category", "owner", "owner_person").get(pk=reason.pk)
    )
    if not isinstance(owner_person, _Unchanged):
        if owner_person is not None and owner_person.pk != reason.owner_person_id:
            _check_owner_person(owner_person)
        reason.owner_person = owner_person
    reason.category, reason.name, reason.owner = category, name, owner
    reason.action, reason.description, reason.active = action, description.strip(), active
    if not isinstance(examples, _Unchanged):
        reason.examples = examples_clean(examples)
    _save_unique(reason, _("This category already has a reason with that name."))
    if before is None:
        events.reason_created_event(reason=reason, actor=actor)
        return reason
    if before.name != reason.name:
        events.reason_renamed_event(reason=reason, actor=actor, old_name=before.name)
    if before.category_id != reason.category_id:
        events.reason_moved_event(reason=reason, actor=actor, old_category=before.category)
    if (before.owner_id, before.owner_person_id) != (reason.owner_id, reason.owner_person_id):
        events.owner_changed_event(
            reason=reason, actor=actor, old_owner=before.owner, old_person=before.owner_person
        )
    if before.action != reason.action:
        events.action_changed_event(reason=reason, actor=actor, old_action=before.action)
    if before.active != reason.active:
        events.active_changed_event(reason=reason, actor=actor)
    if (before.description, before.examples) != (reason.description, reason.examples):
        events.described_event(
            reason=reason,
            actor=actor,
            old_description=before.description,
            old_examples=before.examples,
        )
    return reason


def examples_clean(phrases: Sequence[str]) -> list[str]:
    """Example phrases as stored: trimmed, one space between words, empty lines and repeats
    (ignoring case) dropped, in the order given. Too many or too long is refused."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for phrase in phrases:
        text = " ".join(str(phrase).split())
        if not text or text.casefold() in seen:
            continue
        if len(text) > MAX_EXAMPLE_LENGTH:
            raise DomainError(
                _("An example phrase can be at most %(n)s characters long.")
                % {"n": MAX_EXAMPLE_LENGTH},
                field="examples",
            )
        seen.add(text.casefold())
        cleaned.append(text)
    if len(cleaned) > MAX_EXAMPLES:
        raise DomainError(
            _("A reason can have at most %(n)s example phrases.") % {"n": MAX_EXAMPLES},
            field="examples",
        )
    return cleaned


def _check_owner_person(person: User) -> None:
    if not (person.is_active and person.role in STAFF_ROLES):
        raise DomainError(
            _("The owner person must be an active member of staff."), field="owner_person"
        )


@transaction.atomic
def reason_rate(
    *,
    reason: Reason,
    customer_rating: int | None,
    company_rating: int | None,
    actor: User | None = None,
) -> Reason:
    """Set the council's value–irritant rating of a reason: how valuable (1, 2) or
    irritating (−1, −2) it is to the customer and to the company. Both None clears it.
    A change writes a `rated` event; the same rating again writes nothing."""
    for value, field in ((customer_rating, "customer_rating"), (company_rating, "company_rating")):
        if value is not None and value not in Rating.values:
            raise DomainError(_("A rating is −2, −1, 1 or 2 (irritating … valuable)."), field=field)
    if (customer_rating is None) != (company_rating is None):
        field = "customer_rating" if customer_rating is None else "company_rating"
        raise DomainError(_("Rate the reason for both the customer and the company."), field=field)
    reason = Reason.objects.select_for_update().get(pk=reason.pk)
    old = (reason.customer_rating, reason.company_rating)
    if old == (customer_rating, company_rating):
        return reason
    reason.customer_rating, reason.company_rating = customer_rating, company_rating
    reason.save(update_fields=["customer_rating", "company_rating"])
    events.rated_event(reason=reason, actor=actor, old_customer=old[0], old_company=old[1])
    return reason


def reason_get_or_create_imported(*, name: str) -> Reason:
    """Find a reason by name (any category); unknown names go under "Imported"."""
    name = name.strip()
    found = Reason.objects.filter(name__iexact=name).order_by("pk").first()
    if found is not None:
        return found
    category, _created = ReasonCategory.objects.get_or_create(
        name="Imported", defaults={"position": 999}
    )
    reason, created = Reason.objects.get_or_create(category=category, name=name)
    if created:
        events.reason_created_event(reason=reason, actor=None)
    return reason


@transaction.atomic
def reason_set_active(*, reason: Reason, active: bool, actor: User | None = None) -> Reason:
    """Take a reason out of use (agents can no longer pick it) or bring it back. History
    keeps pointing at it, so its past contacts still count in reports."""
    if reason.active != active:
        reason.active = active
        reason.save(update_fields=["active"])
        events.active_changed_event(reason=reason, actor=actor)
    return reason


@transaction.atomic
def reason_delete(*, reason: Reason) -> None:
    """Delete a reason that no contact ever had; a used reason can only be deactivated."""
    if reason.contacts.exists():
        raise DomainError(
            _("Contacts were classified with this reason: deactivate it instead."),
            field="reason",
            code="in_use",
        )
    reason.delete()


@transaction.atomic
def category_delete(*, category: ReasonCategory) -> None:
    """Delete an empty category; one that still holds reasons is refused."""
    if category.reasons.exists():
        raise DomainError(
            _("Move or delete this category's reasons first."), field="category", code="in_use"
        )
    category.delete()


@transaction.atomic
def department_delete(*, department: Department) -> None:
    """Delete a department that owns no reason; give its reasons another owner first."""
    if department.reasons.exists():
        raise DomainError(
            _("This department owns reasons: give them another owner first."),
            field="department",
            code="in_use",
        )
    department.delete()
