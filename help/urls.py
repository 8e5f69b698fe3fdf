from django.urls import URLPattern

app_name = "help"
urlpatterns: list[URLPattern] = []
