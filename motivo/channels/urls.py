from django.urls import path

from motivo.channels import views

app_name = "channels"
urlpatterns = [
    path("contact/", views.contact_form, name="contact_form"),
    path("contact/thanks/<str:done>/", views.contact_thanks, name="contact_thanks"),
    path("contact/embed.js", views.embed_script, name="embed_script"),
    path("rejected/", views.rejected_list, name="rejected_list"),
    path("rejected/<int:submission_id>/accept/", views.rejected_accept, name="rejected_accept"),
]
