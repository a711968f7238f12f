"""URLconf of the realtime ASGI process (config/asgi.py): the chat's event streams only,
at the same paths as on the main server, so a reverse proxy can route /chat/stream/ here."""

from django.urls import include, path

from motivo.chat import views

chat_patterns = (
    [
        path("stream/session", views.astream_session, name="stream_session"),
        path("stream/sessions/<int:session_id>", views.astream_staff, name="stream_staff"),
        path("stream/console", views.astream_console, name="stream_console"),
    ],
    "chat",
)

urlpatterns = [
    path("chat/", include(chat_patterns)),
    path("healthz", views.ahealthz, name="healthz"),
]
