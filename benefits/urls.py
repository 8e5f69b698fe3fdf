from django.urls import path

from benefits import views

app_name = "benefits"
urlpatterns = [
    path("screener/", views.screener, name="screener"),
]
