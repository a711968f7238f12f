from django.urls import path

from motivo.themes import views

app_name = "themes"
urlpatterns = [
    path("", views.themes, name="themes"),
    path("run/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/themes.csv", views.run_csv, name="run_csv"),
    path("<int:pk>/", views.theme_detail, name="theme"),
    path("<int:pk>/contacts.csv", views.theme_csv, name="theme_csv"),
    path("<int:pk>/to-reason/", views.theme_to_reason, name="to_reason"),
    path("<int:pk>/merge/", views.theme_merge, name="merge"),
    path("<int:pk>/dismiss/", views.theme_dismiss, name="dismiss"),
]
