from django.urls import path

from motivo.council import views

app_name = "council"
urlpatterns = [
    path("targets/", views.targets, name="targets"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/close/", views.target_close, name="target_close"),
    path("merge-reasons/", views.reason_merge, name="reason_merge"),
    path("review/", views.review, name="review"),
    path("review/<str:week>/", views.review, name="review_week"),
    path("review/<str:week>/send/", views.review_send, name="review_send"),
    path("mine/", views.mine, name="mine"),
    path("recognition/", views.recognition, name="recognition"),
    path("improvements/", views.improvements, name="improvements"),
    path("improvements/new/", views.improvement_create, name="improvement_create"),
    path("improvements/<int:pk>/", views.improvement_detail, name="improvement_detail"),
    path("improvements/<int:pk>/edit/", views.improvement_edit, name="improvement_edit"),
    path("improvements/<int:pk>/status/", views.improvement_status, name="improvement_status"),
]
