"""Write the API's OpenAPI schema to openapi/v1.json (committed; CI checks it is current)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

SCHEMA_FILE = Path(settings.BASE_DIR).parent / "openapi" / "v1.json"


def schema_json() -> str:
    """The schema exactly as /api/v1/openapi.json serves it, as stable, diff-friendly text."""
    from motivo.api.api import api

    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI schema of API v1 to openapi/v1.json (or --output, '-' = stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(SCHEMA_FILE), help="file to write")
        parser.add_argument(
            "--check", action="store_true", help="exit 1 if the file differs instead of writing"
        )

    def handle(self, *args: Any, output: str, check: bool, **options: Any) -> None:
        text = schema_json()
        if output == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                self.stderr.write(f"{path} is out of date: run `python manage.py export_openapi`")
                raise SystemExit(1)
            self.stdout.write(f"{path} is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
