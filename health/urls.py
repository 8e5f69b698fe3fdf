from django.urls import include, path

from health.book import urls as book_urls
from health.monitoring import urls as monitoring_urls

app_name = "health"
urlpatterns = [
    path("", include(book_urls)),
    path("", include(monitoring_urls)),
]
