from django.urls import path

from motivo.reasons import views

app_name = "reasons"
urlpatterns = [
    path("", views.taxonomy, name="taxonomy"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix.csv", views.matrix_csv, name="matrix_csv"),
    path("new/", views.reason_edit, name="reason_create"),
    path("<int:pk>/edit/", views.reason_edit, name="reason_edit"),
    path("<int:pk>/rating/", views.reason_rate, name="reason_rate"),
    path("<int:pk>/active/", views.reason_set_active, name="reason_set_active"),
    path("<int:pk>/delete/", views.reason_delete, name="reason_delete"),
    path("categories/new/", views.category_edit, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("departments/new/", views.department_edit, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
]
