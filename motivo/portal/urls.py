from django.urls import path

from motivo.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/sent/", views.login_sent, name="login_sent"),
    path("login/<str:token>/", views.magic, name="magic"),
    path("new/", views.new_request, name="new_request"),
    path("preferences/", views.preferences, name="preferences"),
    path("callback/", views.callback, name="callback"),
    path("cases/<int:case_id>/", views.case, name="case"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
