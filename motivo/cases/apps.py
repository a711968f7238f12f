from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "motivo.cases"
    label = "cases"
