from django.urls import path

from health.monitoring import views

urlpatterns = [
    path("me/readings/", views.my_readings, name="my_readings"),
    path("me/readings/new/", views.my_reading_add, name="my_reading_add"),
    path("monitoring/patients/", views.patients, name="patients"),
    path("monitoring/alerts/", views.queue, name="queue"),
    path("monitoring/alerts/<int:pk>/", views.alert_detail, name="alert"),
    path(
        "monitoring/alerts/<int:pk>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("monitoring/alerts/<int:pk>/snooze/", views.alert_snooze, name="alert_snooze"),
    path("monitoring/alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("monitoring/tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("monitoring/persons/<int:pk>/readings/", views.readings, name="readings"),
    path("monitoring/persons/<int:pk>/readings/new/", views.reading_add, name="reading_add"),
    path("monitoring/persons/<int:pk>/thresholds/", views.overrides, name="overrides"),
    path("monitoring/overrides/<int:pk>/end/", views.override_end, name="override_end"),
    path("monitoring/persons/<int:pk>/devices/", views.person_devices, name="person_devices"),
    path("monitoring/gateways/", views.gateways, name="gateways"),
    path("monitoring/devices/<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
    path("monitoring/indicators/", views.indicators, name="indicators"),
    path("monitoring/thresholds/", views.thresholds, name="thresholds"),
]
