from django.urls import path

from motivo.suggest import views

app_name = "suggest"
urlpatterns = [
    path("quality/", views.quality, name="quality"),
    path("quality.csv", views.quality_csv, name="quality_csv"),
    path("model/", views.model, name="model"),
    path("model.csv", views.model_csv, name="model_csv"),
    path("model/retrain/", views.model_retrain, name="model_retrain"),
    path("model/settings/", views.model_settings, name="model_settings"),
    path("model/<int:number>/activate/", views.model_activate, name="model_activate"),
    path("contacts/<int:contact_id>/confirm/", views.contact_confirm, name="contact_confirm"),
]
