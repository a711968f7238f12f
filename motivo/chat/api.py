"""API v1 operations of the chat app (mounted by motivo.api.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["chat"])
