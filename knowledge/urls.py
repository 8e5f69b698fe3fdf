from django.urls import path

from knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.search, name="search"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("editor/", views.staff_list, name="staff_list"),
    path("editor/new/", views.staff_create, name="staff_create"),
    path("editor/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("editor/<int:pk>/submit/", views.staff_submit, name="staff_submit"),
    path("editor/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
    path("editor/terms/", views.staff_terms, name="staff_terms"),
]
