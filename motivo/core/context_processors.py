"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest


def motivo(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated and getattr(user, "is_staff_member", False):
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"unread_notifications": unread}
