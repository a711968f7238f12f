from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "motivo.search"
    label = "search"
