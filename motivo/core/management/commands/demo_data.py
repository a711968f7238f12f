"""`manage.py demo_data [--contacts N] [--seed S]`: the same as `motivo demo`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motivo.demo import DEFAULT_SEED


class Command(BaseCommand):
    help = "Create the demo shop if missing; add generated contacts with --contacts N."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contacts", type=int, default=0)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args: object, contacts: int, seed: int, **options: object) -> None:
        from motivo.cli import run_demo

        if contacts < 0:
            raise CommandError("--contacts must be zero or more.")
        if run_demo(contacts=contacts, seed=seed) != 0:
            raise CommandError("The demo data was not created.")
