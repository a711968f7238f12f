"""Words for a reason's history: one sentence per ReasonEvent, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motivo.reasons.models import Action, Rating, ReasonEvent

Kind = ReasonEvent.Kind


def _action(value: str | None) -> str:
    return str(Action(value).label) if value in Action.values else "—"


def _rating(value: int | None) -> str:
    if value is None:
        return _("not rated")
    label = str(Rating(value).label) if value in Rating.values else str(value)
    return f"{label} ({value:+d})"


def _name(ref: dict | None, nobody: str) -> str:
    return ref["name"] if ref else nobody


def describe(event: ReasonEvent) -> str:
    """What changed, e.g. "Action: Self-serve → Eliminate"."""
    data = event.data or {}
    if event.kind == Kind.CREATED:
        return _("Created as “%(name)s” with the action %(action)s.") % {
            "name": data.get("name", ""),
            "action": _action(data.get("action")),
        }
    if event.kind == Kind.RENAMED:
        return _("Renamed: “%(old)s” → “%(new)s”.") % {"old": data["from"], "new": data["to"]}
    if event.kind == Kind.MOVED:
        return _("Category: %(old)s → %(new)s.") % {
            "old": _name(data.get("from"), "—"),
            "new": _name(data.get("to"), "—"),
        }
    if event.kind == Kind.OWNER_CHANGED:
        parts = []
        owner, person = data.get("owner", {}), data.get("owner_person", {})
        if owner.get("from") != owner.get("to"):
            parts.append(
                _("Owner department: %(old)s → %(new)s.")
                % {
                    "old": _name(owner.get("from"), _("none")),
                    "new": _name(owner.get("to"), _("none")),
                }
            )
        if person.get("from") != person.get("to"):
            parts.append(
                _("Owner person: %(old)s → %(new)s.")
                % {
                    "old": _name(person.get("from"), _("nobody")),
                    "new": _name(person.get("to"), _("nobody")),
                }
            )
        return " ".join(parts)
    if event.kind == Kind.ACTION_CHANGED:
        return _("Action: %(old)s → %(new)s.") % {
            "old": _action(data.get("from")),
            "new": _action(data.get("to")),
        }
    if event.kind == Kind.RATED:
        old, new = data.get("from", {}), data.get("to", {})
        return _(
            "Rating: to the customer %(old_customer)s → %(new_customer)s; to the company "
            "%(old_company)s → %(new_company)s. Quadrant: %(quadrant)s."
        ) % {
            "old_customer": _rating(old.get("customer")),
            "new_customer": _rating(new.get("customer")),
            "old_company": _rating(old.get("company")),
            "new_company": _rating(new.get("company")),
            "quadrant": _action(new.get("quadrant")) if new.get("quadrant") else _("none"),
        }
    if event.kind == Kind.ACTIVE_CHANGED:
        return _("Reactivated.") if data.get("active") else _("Deactivated.")
    if event.kind in (Kind.MERGED_INTO, Kind.ABSORBED):
        moved = {"contacts": data.get("contacts", 0), "targets": data.get("targets", 0)}
        if event.kind == Kind.MERGED_INTO:
            text = _("Merged into “%(name)s”: %(contacts)s contacts and %(targets)s targets moved.")
            return text % {"name": _name(data.get("into"), "—"), **moved}
        text = _(
            "“%(name)s” merged into this reason: %(contacts)s contacts and %(targets)s "
            "targets moved."
        )
        return text % {"name": _name(data.get("from"), "—"), **moved}
    if event.kind == Kind.DESCRIBED:
        return _describe_described(data)
    return event.get_kind_display()


def _describe_described(data: dict) -> str:
    parts = []
    description = data.get("description", {})
    if description.get("from") != description.get("to"):
        parts.append(
            _("Description: “%(new)s”.") % {"new": description.get("to") or "—"}
            if description.get("to")
            else _("Description removed.")
        )
    examples = data.get("examples", {})
    old, new = examples.get("from") or [], examples.get("to") or []
    added = [phrase for phrase in new if phrase not in old]
    removed = [phrase for phrase in old if phrase not in new]
    if added:
        parts.append(_("Example phrases added: %(phrases)s.") % {"phrases": _quoted(added)})
    if removed:
        parts.append(_("Example phrases removed: %(phrases)s.") % {"phrases": _quoted(removed)})
    return " ".join(parts) or _("Description or example phrases changed.")


def _quoted(phrases: list[str]) -> str:
    return ", ".join(f"“{phrase}”" for phrase in phrases)
