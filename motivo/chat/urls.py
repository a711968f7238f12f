from django.urls import path

from motivo.chat import views

app_name = "chat"
urlpatterns = [
    # Staff: the chat console and its actions (signed-in session, CSRF).
    path("", views.console, name="console"),
    path("availability", views.availability, name="availability"),
    path("sessions/<int:session_id>/pane", views.pane, name="pane"),
    path("sessions/<int:session_id>/take", views.take, name="take"),
    path("sessions/<int:session_id>/send", views.send, name="send"),
    path("sessions/<int:session_id>/end", views.end, name="end"),
    # The widget (any site; CORS; the session's secret in X-Motivo-Chat-Token).
    path("widget.js", views.widget_js, name="widget_js"),
    path("api/config", views.widget_config, name="widget_config"),
    path("api/sessions", views.widget_sessions, name="widget_sessions"),
    path("api/session", views.widget_session, name="widget_session"),
    path("api/messages", views.widget_messages, name="widget_messages"),
    path("api/end", views.widget_end, name="widget_end"),
    path("api/leave", views.widget_leave, name="widget_leave"),
    path("start/", views.start_page, name="start"),
    # Event streams (served here under WSGI; by the realtime server in production).
    path("stream/session", views.stream_session, name="stream_session"),
    path("stream/sessions/<int:session_id>", views.stream_staff, name="stream_staff"),
    path("stream/console", views.stream_console, name="stream_console"),
]
