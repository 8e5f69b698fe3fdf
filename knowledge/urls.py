from django.urls import path

from knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.search, name="search"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("audio/<int:pk>/<str:name>", views.audio, name="audio"),
    path("lessons/", views.lesson_list, name="lesson_list"),
    path("lessons/<slug:slug>/", views.lesson, name="lesson"),
    path("lessons/<slug:slug>/print/", views.lesson_print, name="lesson_print"),
    path("lessons/<slug:slug>/<int:number>/", views.lesson_step, name="lesson_step"),
    path("lessons/<slug:slug>/<int:number>.svg", views.lesson_picture, name="lesson_picture"),
    path("editor/", views.staff_list, name="staff_list"),
    path("editor/new/", views.staff_create, name="staff_create"),
    path("editor/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("editor/<int:pk>/submit/", views.staff_submit, name="staff_submit"),
    path("editor/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
    path("editor/<int:pk>/recordings/", views.staff_recording_add, name="staff_recording_add"),
    path(
        "editor/<int:pk>/recordings/<int:audio_pk>/remove/",
        views.staff_recording_remove,
        name="staff_recording_remove",
    ),
    path("editor/terms/", views.staff_terms, name="staff_terms"),
]
