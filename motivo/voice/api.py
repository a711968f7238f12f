"""API v1 operations of the voice app (mounted by motivo.api.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["voice"])
