from django.urls import path

from places import views

app_name = "places"
urlpatterns = [
    path("villages/", views.village_list, name="village_list"),
    path("villages/new/", views.village_create, name="village_create"),
    path("villages/import/", views.village_import, name="village_import"),
    path("villages/import/sample.csv", views.village_import_sample, name="village_import_sample"),
    path("villages/<int:pk>/", views.village_detail, name="village_detail"),
    path("villages/<int:pk>/edit/", views.village_edit, name="village_edit"),
    path("area-status/", views.area_status_list, name="area_status_list"),
    path("area-status/new/", views.area_status_create, name="area_status_create"),
    path("area-status/import/", views.area_status_import, name="area_status_import"),
    path(
        "area-status/import/sample.csv",
        views.area_status_import_sample,
        name="area_status_import_sample",
    ),
    path("area-status/<int:pk>/end/", views.area_status_end, name="area_status_end"),
    path("imports/<int:pk>/", views.import_run, name="import_run"),
    path("imports/<int:pk>/rejects.csv", views.import_run_rejects, name="import_run_rejects"),
]
