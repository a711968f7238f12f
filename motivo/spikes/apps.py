from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpikesConfig(AppConfig):
    name = "motivo.spikes"
    label = "spikes"
    verbose_name = _("Spikes")
