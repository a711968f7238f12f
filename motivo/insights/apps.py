from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "motivo.insights"
    label = "insights"
