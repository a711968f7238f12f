"""Background work for e-mail: deliver one recorded outbound message (and its retries)."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task()
def email_deliver_task(email_id: int, payload: dict[str, Any], attempt: int = 0) -> str:
    """Hand `OutboundEmail` `email_id` to the mailer; returns its status afterwards."""
    from motivo.mail.outbound import email_deliver

    return email_deliver(email_id=email_id, payload=payload, attempt=attempt).status
