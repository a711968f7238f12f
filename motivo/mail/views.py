"""Mail pages: the quarantine and mailbox status (supervisors, admins), one inbound message
in full and its raw .eml (staff)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motivo.core.decorators import manager_required, staff_required
from motivo.core.errors import DomainError
from motivo.mail import selectors
from motivo.mail.models import InboundEmail
from motivo.mail.parsing import parse_email
from motivo.mail.services import inbound_email_retry


@manager_required
@require_GET
def quarantine(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", InboundEmail.Status.QUARANTINED)
    if status not in selectors.PAGE_STATUSES:
        status = InboundEmail.Status.QUARANTINED
    context = {
        "nav": "mail",
        "status": status,
        "tabs": [(s, InboundEmail.Status(s).label) for s in selectors.PAGE_STATUSES],
        "counts": selectors.inbound_counts(),
        "items": selectors.inbound_list(status=status),
        "mailboxes": selectors.mailbox_list(),
    }
    return render(request, "mail/quarantine.html", context)


@staff_required
@require_GET
def inbound_detail(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.inbound_get_for_user(user=request.user, inbound_id=inbound_id)
    try:
        parsed = parse_email(bytes(inbound.raw), whole=True)
        problem = ""
    except Exception as exc:  # show the page (and the raw link) regardless
        parsed, problem = None, str(exc)
    context = {"nav": "mail", "inbound": inbound, "parsed": parsed, "problem": problem}
    return render(request, "mail/inbound_detail.html", context)


@staff_required
@require_GET
def inbound_raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.inbound_get_for_user(user=request.user, inbound_id=inbound_id)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    return response


@manager_required
@require_POST
def inbound_retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = selectors.inbound_get_for_user(user=request.user, inbound_id=inbound_id)
    try:
        inbound = inbound_email_retry(inbound=inbound)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if inbound.status == InboundEmail.Status.QUARANTINED:
            messages.error(
                request, _("Still quarantined: %(error)s") % {"error": inbound.error[:300]}
            )
        else:
            messages.success(
                request,
                _("Message processed: %(status)s.") % {"status": inbound.get_status_display()},
            )
    return redirect("mail:quarantine")
