from django.urls import path

from health.book import views

urlpatterns = [
    path("book/", views.book_index, name="book_index"),
    path("book/visits/", views.visits_due, name="visits_due"),
    path("book/<int:pk>/", views.book, name="book"),
    path("book/<int:pk>/conditions/add/", views.condition_add, name="condition_add"),
    path("book/<int:pk>/medications/add/", views.medication_add, name="medication_add"),
    path("book/<int:pk>/allergies/add/", views.allergy_add, name="allergy_add"),
    path("book/<int:pk>/vaccinations/add/", views.vaccination_add, name="vaccination_add"),
    path("book/<int:pk>/plans/add/", views.plan_add, name="plan_add"),
    path("book/<int:pk>/visits/add/", views.visit_add, name="visit_add"),
    path("book/<int:pk>/carers/", views.carers, name="carers"),
    path("book/conditions/<int:pk>/status/", views.condition_status, name="condition_status"),
    path("book/medications/<int:pk>/stop/", views.medication_stop, name="medication_stop"),
    path("book/plans/<int:pk>/status/", views.plan_status, name="plan_status"),
    path("book/plans/<int:pk>/goals/add/", views.goal_add, name="goal_add"),
    path("book/goals/<int:pk>/status/", views.goal_status, name="goal_status"),
    path("book/visits/<int:pk>/", views.visit_record, name="visit_record"),
    path("book/carers/<int:pk>/revoke/", views.carer_revoke, name="carer_revoke"),
    path("me/", views.my_health, name="my_health"),
    path("me/carers/", views.my_carers, name="my_carers"),
    path("me/people/<int:pk>/", views.cared_book, name="cared_book"),
]
