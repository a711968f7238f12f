"""`manage.py import_contacts FILE.csv [--rejects PATH] [--dry-run]`: the same as
`motivo import contacts`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motivo.core.errors import DomainError


class Command(BaseCommand):
    help = "Import contact history from a CSV file (English or Spanish headers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--rejects", type=Path)
        parser.add_argument("--dry-run", action="store_true")

    def handle(
        self, *args: object, file: Path, rejects: Path | None, dry_run: bool, **options: object
    ) -> None:
        from motivo.cli import run_import

        try:
            run_import(path=file, rejects=rejects, dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
