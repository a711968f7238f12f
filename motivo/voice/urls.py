from django.urls import path

from motivo.voice import views

app_name = "voice"
urlpatterns = [
    path("cases/<int:case_id>/calls/", views.case_call, name="case_call"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:call_id>/wrap-up/", views.call_wrap_up, name="call_wrap_up"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:callback_id>/", views.callback_detail, name="callback"),
    path("callbacks/<int:callback_id>/claim/", views.callback_claim, name="callback_claim"),
    path("callbacks/<int:callback_id>/release/", views.callback_release, name="callback_release"),
    path("live/", views.live, name="live"),
]
