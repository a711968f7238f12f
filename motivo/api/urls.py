"""The JSON API, versioned by URL: /api/v1/ (schema at /api/v1/openapi.json, docs at
/api/v1/docs)."""

from django.urls import path

from motivo.api.api import api

app_name = "api"
urlpatterns = [
    path("v1/", api.urls),
]
