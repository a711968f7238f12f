"""Background work of spike alerts: load ids and call the services."""

from __future__ import annotations

from django.tasks import task

from motivo.accounts.models import User
from motivo.spikes import services
from motivo.spikes.models import SpikeAlert


@task()
def send_spike_email(alert_id: int, user_id: int) -> None:
    """Mail one of the people who answer for the reason, in their language."""
    alert = SpikeAlert.objects.select_related("reason").get(pk=alert_id)
    services.spike_email_send(alert=alert, user=User.objects.get(pk=user_id))
