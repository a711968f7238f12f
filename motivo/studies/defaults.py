"""The starting list of causes of repeat contacts: (key, English name, Spanish name).

Written by migration 0002; `default_causes_ensure` writes them again where a database has
none (a test database flushed by a transactional test, a demo)."""

from __future__ import annotations

from typing import Any

CAUSES = (
    ("wrong_answer", "Wrong or incomplete answer", "Respuesta errónea o incompleta"),
    ("promise_not_kept", "Promise not kept", "Promesa no cumplida"),
    ("policy", "Policy", "Política de la empresa"),
    ("system_failure", "System or tool failure", "Fallo de un sistema o herramienta"),
    (
        "needed_more",
        "Customer needed more / new question",
        "El cliente necesitaba más / nueva pregunta",
    ),
    ("other", "Other", "Otra"),
)


def default_causes_ensure(model: Any = None) -> int:
    """Create the default causes missing from `model` (RepeatCause, or its historical
    version in a migration). Returns how many were created."""
    if model is None:
        from motivo.studies.models import RepeatCause as model
    created = 0
    for position, (slug, name_en, name_es) in enumerate(CAUSES, start=1):
        _cause, new = model.objects.get_or_create(
            slug=slug, defaults={"name_en": name_en, "name_es": name_es, "position": position}
        )
        created += new
    return created
