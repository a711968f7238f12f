"""The agent workspace: inbox, case page and its actions, customer page, canned replies.

Views parse the request, call one selector or service and respond; htmx requests get a
partial. Every action is a POST (CSRF-checked); a refused action re-renders the page with
the service's message next to the form, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from motivo.accounts.models import Team, User
from motivo.accounts.selectors import staff_list
from motivo.accounts.services import notifications_mark_read_for_case
from motivo.cases import delivery, services
from motivo.cases.forms import (
    AssignForm,
    CannedReplyForm,
    InboxFilterForm,
    MergeForm,
    NoteForm,
    ReasonForm,
    ReplyForm,
    StatusForm,
    TransferForm,
)
from motivo.cases.models import Contact
from motivo.cases.selectors import (
    attachment_get_for_user,
    canned_reply_get,
    canned_reply_list,
    case_detail_for_user,
    case_get_for_user,
    case_handoff,
    case_rows_for_inbox,
    case_timeline,
    customer_get_for_user,
    customer_history,
    handoff_get_for_user,
)
from motivo.core.decorators import manager_required, staff_required
from motivo.core.errors import DomainError
from motivo.mail.selectors import inbound_emails_attach
from motivo.reasons.models import Reason
from motivo.reasons.selectors import reason_list

# ---------------------------------------------------------------------------- helpers


def _staff_choices() -> list[tuple[str, str]]:
    """Active staff by name, as (id, display name); read as plain values, not models."""
    rows = staff_list().values_list("pk", "first_name", "last_name", "username")
    # User.display_name: the full name, else the username.
    return [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in rows]


def _team_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Team.objects.values_list("pk", "name")]


def _reason_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active reasons grouped by category, for <optgroup>s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for pk, name, category in reason_list().values_list("pk", "name", "category__name"):
        groups.setdefault(category, []).append((str(pk), name))
    return list(groups.items())


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _case_url(case_id: int, anchor: str = "") -> str:
    return reverse("cases:detail", args=[case_id]) + (f"#{anchor}" if anchor else "")


def _case_page(request: HttpRequest, case_id: int, *, status: int = 200, **forms: Any):
    """Render the case page; `forms` replaces the blank form of the same name (a bound
    form with its errors after a refused action)."""
    user = request.user
    case = case_detail_for_user(user=user, case_id=case_id)
    delivery.reply_deliveries_attach(messages=case.conversation)
    inbound_emails_attach(messages=case.conversation)
    history = customer_history(user=user, customer_id=case.customer_id)
    staff, teams, reasons = _staff_choices(), _team_choices(), _reason_choices()
    canned_id = request.GET.get("canned", "")
    draft = ""
    if request.method == "GET" and canned_id.isdigit():
        canned = canned_reply_get(canned_id=int(canned_id))
        draft = services.canned_reply_render(canned=canned, case=case, agent=user)
    context = {
        "nav": "inbox",
        "case": case,
        "customer": case.customer,
        "identities": list(case.customer.identities.order_by("kind", "value")),
        "history": history,
        "merge_candidates": [
            c for c in history if c.pk != case.pk and c.is_active and not c.merged_into_id
        ],
        "timeline": case_timeline(events=case.timeline),
        "lacking_reason": sum(1 for contact in case.contact_list if contact.reason_id is None),
        "canned_replies": canned_reply_list(language=case.customer.language),
        "reason_choices": reasons,
        "reply_form": ReplyForm(initial={"body": draft}),
        "note_form": NoteForm(),
        "assign_form": AssignForm(
            staff=staff,
            teams=teams,
            initial={"assignee": case.assignee_id or "", "team": case.team_id or ""},
        ),
        "status_form": StatusForm(initial={"status": case.status}),
        "transfer_form": TransferForm(staff=staff, teams=teams),
        "handoff": case_handoff(case=case, user=user),
        "merge_form": MergeForm(),
        "max_attachment_mb": settings.MOTIVO_MAX_ATTACHMENT_BYTES // (1024 * 1024),
    } | forms
    context["reply_route"] = delivery.reply_route(case=case, identities=context["identities"])
    return render(request, "cases/detail.html", context, status=status)


def _act(
    request: HttpRequest,
    case_id: int,
    form: forms.Form,
    form_name: str,
    call: Callable[[dict[str, Any]], int | None],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """Run one service call with a form's data: success → back to the case (or to the
    case id `call` returns) with a message; refused → the case page again, the error
    beside the form, the input kept."""
    if form.is_valid():
        try:
            target_id = call(form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, done)
            return redirect(_case_url(target_id or case_id, anchor))
    return _case_page(request, case_id, status=400, **{form_name: form})


# ---------------------------------------------------------------------------- inbox


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(
        request.GET, staff=_staff_choices(), teams=_team_choices(), reasons=_reason_choices()
    )
    page = case_rows_for_inbox(
        user=request.user, filters=form.filters(user=request.user), page=_page_number(request)
    )
    context = {"nav": "inbox", "form": form, "page": page}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "cases/partials/case_table.html", context)
    return render(request, "cases/inbox.html", context)


# ---------------------------------------------------------------------------- case page


@staff_required
@require_GET
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_id)


@staff_required
@require_POST
def notifications_read(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page posts here once loaded (htmx): the agent's notifications about this
    case are read. A POST, so that a GET of the page never changes state."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    notifications_mark_read_for_case(user=request.user, case_id=case.pk)
    return HttpResponse(status=204)


@staff_required
@require_POST
def reply(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = ReplyForm(request.POST, request.FILES)

    def call(data: dict[str, Any]) -> None:
        services.case_reply(
            case=case,
            author=request.user,
            body=data["body"],
            status=data["status"] or None,
            attachments=data["attachments"],
        )

    done = _("Reply sent.")
    if delivery.reply_channel(case=case) is None:
        done = _("Reply saved on the case; it was not sent to the customer.")
    return _act(request, case_id, form, "reply_form", call, done, "composer")


@staff_required
@require_POST
def email_resend(request: HttpRequest, case_id: int, email_id: int) -> HttpResponse:
    """Send a reply whose e-mail failed again (button on the reply in the conversation)."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    email = delivery.reply_email_for_case(case=case, email_id=email_id)
    try:
        delivery.reply_email_resend(email=email, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The reply is being sent again."))
    return redirect(_case_url(case.pk, f"message-{email.message_id}"))


@staff_required
@require_POST
def note(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = NoteForm(request.POST, request.FILES)

    def call(data: dict[str, Any]) -> None:
        services.case_add_note(
            case=case, author=request.user, body=data["body"], attachments=data["attachments"]
        )

    return _act(request, case_id, form, "note_form", call, _("Note added."), "composer")


@staff_required
@require_POST
def assign(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = AssignForm(request.POST, staff=_staff_choices(), teams=_team_choices())

    def call(data: dict[str, Any]) -> None:
        assignee = User.objects.get(pk=data["assignee"]) if data["assignee"] else None
        team = Team.objects.get(pk=data["team"]) if data["team"] else None
        services.case_assign(case=case, actor=request.user, assignee=assignee, team=team)

    return _act(request, case_id, form, "assign_form", call, _("Assignment saved."))


@staff_required
@require_POST
def transfer(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = TransferForm(request.POST, staff=_staff_choices(), teams=_team_choices())

    def call(data: dict[str, Any]) -> None:
        assignee = User.objects.get(pk=data["assignee"]) if data["assignee"] else None
        team = Team.objects.get(pk=data["team"]) if data["team"] else None
        services.case_transfer(
            case=case, actor=request.user, assignee=assignee, team=team, note=data["note"]
        )

    return _act(request, case_id, form, "transfer_form", call, _("Case handed over."))


@staff_required
@require_POST
def handoff_acknowledge(request: HttpRequest, case_id: int, handoff_id: int) -> HttpResponse:
    """The receiver has read the hand-off note; it collapses."""
    handoff = handoff_get_for_user(user=request.user, case_id=case_id, handoff_id=handoff_id)
    try:
        services.handoff_acknowledge(handoff=handoff, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Hand-off acknowledged."))
    return redirect(_case_url(case_id))


@staff_required
@require_POST
def set_status(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = StatusForm(request.POST)

    def call(data: dict[str, Any]) -> None:
        services.case_set_status(case=case, actor=request.user, status=data["status"])

    return _act(request, case_id, form, "status_form", call, _("Status changed."))


@staff_required
@require_POST
def merge(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    form = MergeForm(request.POST)

    def call(data: dict[str, Any]) -> int:
        try:
            target = case_get_for_user(user=request.user, case_id=data["target_id"])
        except Http404 as exc:  # an unknown number is a plain form error
            raise DomainError(_("There is no case with that number."), field="number") from exc
        return services.case_merge(source=case, target=target, actor=request.user).pk

    return _act(request, case_id, form, "merge_form", call, _("Cases merged."))


@staff_required
@require_POST
def contact_reason(request: HttpRequest, case_id: int, contact_id: int) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_id=case_id)
    contact = Contact.objects.filter(case=case, pk=contact_id).first()
    form = ReasonForm(request.POST, reasons=_reason_choices())
    if contact is None or not form.is_valid():
        messages.error(request, _("Choose one of the reasons in the list."))
        return redirect(_case_url(case_id, "contacts"))
    try:
        reason = Reason.objects.get(pk=form.cleaned_data["reason"])
        services.contact_set_reason(contact=contact, actor=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Reason saved."))
    return redirect(_case_url(case_id, "contacts"))


@staff_required
@require_GET
def canned_insert(request: HttpRequest, case_id: int) -> HttpResponse:
    """htmx: the reply box again, with the chosen canned reply filled in for this case
    (after the draft already typed, if any). Without JS the case page does the same."""
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(reverse("cases:detail", args=[case_id]) + f"?{query}#composer")
    case = case_get_for_user(user=request.user, case_id=case_id)
    draft = request.GET.get("body", "").rstrip()
    raw = request.GET.get("canned", "")
    if raw.isdigit():
        canned = canned_reply_get(canned_id=int(raw))
        text = services.canned_reply_render(canned=canned, case=case, agent=request.user)
        draft = f"{draft}\n\n{text}" if draft else text
    form = ReplyForm(initial={"body": draft})
    return render(request, "cases/partials/reply_body.html", {"reply_form": form})


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Download an attachment of a case the user may see (customers too, not notes)."""
    item = attachment_get_for_user(user=request.user, attachment_id=attachment_id)
    return FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.filename,
        content_type=item.content_type or "application/octet-stream",
    )


# ---------------------------------------------------------------------------- customers


@staff_required
@require_GET
def customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    from motivo.customers.views import customer_page_extras

    person = customer_get_for_user(user=request.user, customer_id=customer_id)
    if person.merged_into_id:  # one history: a merged customer's page is the target's
        return redirect("cases:customer", person.merged_into_id)
    history = customer_history(user=request.user, customer_id=person.pk, limit=200)
    return render(
        request,
        "cases/customer.html",
        {
            "nav": "inbox",
            "customer": person,
            "history": history,
            **customer_page_extras(request=request, customer=person),
        },
    )


# ---------------------------------------------------------------------------- canned replies


@staff_required
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/canned_list.html",
        {"nav": "canned", "items": canned_reply_list(), "can_edit": request.user.is_manager},
    )


@manager_required
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, canned_id: int | None = None) -> HttpResponse:
    canned = canned_reply_get(canned_id=canned_id) if canned_id is not None else None
    initial = {"language": request.user.language or "es"}
    if canned is not None:
        initial = {"title": canned.title, "language": canned.language, "body": canned.body}
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.canned_reply_save(canned=canned, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("cases:canned_list")
    context = {"nav": "canned", "form": form, "canned": canned}
    return render(request, "cases/canned_form.html", context, status=400 if form.errors else 200)


@manager_required
@require_http_methods(["GET", "POST"])
def canned_delete(request: HttpRequest, canned_id: int) -> HttpResponse:
    canned = canned_reply_get(canned_id=canned_id)
    if request.method == "POST":
        services.canned_reply_delete(canned=canned)
        messages.success(request, _("Canned reply deleted."))
        return redirect("cases:canned_list")
    return render(request, "cases/canned_delete.html", {"nav": "canned", "canned": canned})
