"""API v1 operations of the channels app (mounted by motivo.api.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["channels"])
