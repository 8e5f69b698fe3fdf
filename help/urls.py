from django.urls import URLPattern, URLResolver, include, path

from help import case_urls

app_name = "help"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(case_urls)),
]
