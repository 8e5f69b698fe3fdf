from django.urls import path

from benefits import views

app_name = "benefits"
urlpatterns = [
    path("screener/", views.screener, name="screener"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/<int:pk>/propose/", views.decision_propose, name="decision_propose"),
    path("people/<int:pk>/", views.person_decisions, name="person_decisions"),
    path("people/<int:pk>/funeral/", views.funeral_claim_new, name="funeral_claim_new"),
    path("cases/", views.case_list, name="cases"),
    path("cases/bulk/", views.case_bulk, name="case_bulk"),
    path("cases/propose/", views.propose_all, name="propose_all"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/step/", views.case_step, name="case_step"),
    path("payments/", views.payment_lists, name="payment_lists"),
    path("payments/<int:pk>/", views.payment_list_detail, name="payment_list"),
    path("payments/<int:pk>/paid/", views.payment_list_paid, name="payment_list_paid"),
    path(
        "payments/<int:pk>/export.<str:fmt>",
        views.payment_list_export,
        name="payment_list_export",
    ),
]
