"""Template helpers of the studies app: the case page's study panel."""

from __future__ import annotations

from django import template

from motivo.cases.models import Case, Contact
from motivo.studies.forms import StudyForm
from motivo.studies.selectors import StudyItem, causes_to_choose, study_items

register = template.Library()


def panel_items(contacts: list[Contact], *, form: StudyForm | None = None) -> list[StudyItem]:
    """The study items of the repeat contacts among `contacts`, each with its form (`form`,
    when given, replaces the blank one — a bound form with its errors). The causes are
    read once for all the forms."""
    items = study_items(contacts=contacts)
    if not items:
        return items
    causes = causes_to_choose(studies=[item.study for item in items])
    for item in items:
        study = item.study
        initial = {"cause": study.cause_id, "note": study.note} if study else {}
        item.form = form or StudyForm(
            initial=initial, causes=causes, prefix=f"study-{item.contact.pk}"
        )
    return items


@register.simple_tag
def studies_case_panel(case: Case) -> list[StudyItem]:
    """{% studies_case_panel case as studies %}: the study of each repeat contact of the
    case (its contacts are already loaded by the case page; no query when none repeats)."""
    contacts = getattr(case, "contact_list", None)
    if contacts is None:
        contacts = list(case.contacts.select_related("repeat_of").order_by("received_at", "pk"))
    return panel_items(contacts)
