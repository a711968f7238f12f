"""Writes for the taxonomy and departments (managers only: the views check the role)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from motivo.core.errors import DomainError
from motivo.reasons.models import Action, Department, Reason, ReasonCategory


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
) -> Reason:
    name = name.strip()
    if not name:
        raise DomainError(_("A reason needs a name."), field="name")
    if action not in Action.values:
        raise DomainError(_("Unknown action."), field="action")
    reason = reason or Reason()
    reason.category, reason.name, reason.owner = category, name, owner
    reason.action, reason.description, reason.active = action, description.strip(), active
    _save_unique(reason, _("This category already has a reason with that name."))
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
    reason, _created = Reason.objects.get_or_create(category=category, name=name)
    return reason


@transaction.atomic
def reason_set_active(*, reason: Reason, active: bool) -> Reason:
    """Take a reason out of use (agents can no longer pick it) or bring it back. History
    keeps pointing at it, so its past contacts still count in reports."""
    if reason.active != active:
        reason.active = active
        reason.save(update_fields=["active"])
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
