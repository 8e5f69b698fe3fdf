from django.urls import path

from benefits import views

app_name = "benefits"
urlpatterns = [
    path("screener/", views.screener, name="screener"),
    path("decisions/", views.decision_list, name="decisions"),
    path("people/<int:pk>/", views.person_decisions, name="person_decisions"),
]
