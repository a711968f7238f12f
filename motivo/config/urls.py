"""Root URL map: one include per app."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: the API carries the machine traffic (ingest), resolved without trying the
    # pages' patterns.
    path("api/", include("motivo.api.urls")),
    path("", include("motivo.core.urls")),
    path("accounts/", include("motivo.accounts.urls")),
    path("cases/", include("motivo.cases.urls")),
    path("reasons/", include("motivo.reasons.urls")),
    path("insights/", include("motivo.insights.urls")),
    path("search/", include("motivo.search.urls")),
    path("portal/", include("motivo.portal.urls")),
    path("mail/", include("motivo.mail.urls")),
    path("chat/", include("motivo.chat.urls")),
    path("voice/", include("motivo.voice.urls")),
    path("costs/", include("motivo.costs.urls")),
    path("council/", include("motivo.council.urls")),
    path("suggest/", include("motivo.suggest.urls")),
    path("themes/", include("motivo.themes.urls")),
    path("promises/", include("motivo.promises.urls")),
    path("studies/", include("motivo.studies.urls")),
    path("spikes/", include("motivo.spikes.urls")),
    path("forms/", include("motivo.channels.urls")),
    path("customers/", include("motivo.customers.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
