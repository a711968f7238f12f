"""manage.py suggest_train: train a new suggestion model version now and say how it did."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from motivo.suggest import services
from motivo.suggest.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Train a new reason-suggestion model version now from the confirmed contacts and the "
        "reasons' names, descriptions and example phrases; it becomes active unless it does "
        "worse than the active version on the held-out contacts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip-history",
            action="store_true",
            help="also mark every existing contact as history: no suggestions for them",
        )

    def handle(self, *args, **options) -> None:
        version = services.model_train_now(trigger=ModelVersion.Trigger.MANUAL)
        if version.status == ModelVersion.Status.FAILED:
            raise CommandError(f"Training v{version.number} failed: {version.note}")
        metrics = version.metrics or {}
        accuracy = metrics.get("accuracy")
        shown = "n/a" if accuracy is None else f"{accuracy * 100:.1f} %"
        self.stdout.write(
            f"Model v{version.number}: {version.get_status_display()}; "
            f"{version.n_examples} examples, {version.n_labels} reasons, held-out accuracy "
            f"{shown} on {metrics.get('n_heldout', 0)} contacts, "
            f"{version.train_seconds or 0:.1f} s."
        )
        if options["skip_history"]:
            top = services.suggester_skip_to_latest()
            self.stdout.write(f"Contacts up to #{top} are history: no suggestions for them.")
