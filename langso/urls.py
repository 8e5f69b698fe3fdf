from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from langso import views
from langso.api import api

admin.site.site_header = "Làng Số"
admin.site.site_title = "Làng Số"

urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("about/", views.about, name="about"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("places/", include("places.urls")),
    path("people/", include("people.urls")),
    path("benefits/", include("benefits.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("help/", include("help.urls")),
    path("health/", include("health.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "langso.views.forbidden"
handler404 = "langso.views.not_found"
handler500 = "langso.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
