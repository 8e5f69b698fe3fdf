from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/account/link/", views.account_link, name="account_link"),
    path("<int:pk>/account/unlink/", views.account_unlink, name="account_unlink"),
    path("account-requests/", views.link_requests, name="link_requests"),
    path("account-requests/<int:pk>/", views.link_request_decide, name="link_request_decide"),
    path("<int:pk>/reveal-id/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/history/", views.person_history, name="person_history"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/facts/", views.person_facts, name="person_facts"),
    path("<int:pk>/disabilities/add/", views.disability_add, name="disability_add"),
    path(
        "<int:pk>/disabilities/<int:disability_pk>/end/",
        views.disability_end,
        name="disability_end",
    ),
    path("<int:pk>/consents/", views.consent_record, name="consent_record"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/poverty/", views.household_poverty, name="household_poverty"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/<int:kept_pk>/<int:merged_pk>/", views.merge, name="merge"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path(
        "duplicates/<int:first_pk>/<int:second_pk>/dismiss/",
        views.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
    path("export/", views.export_verified, name="export_verified"),
    path("me/", views.my_record, name="my_record"),
    path("me/consents/", views.my_consent_record, name="my_consent_record"),
    path("me/link/", views.my_link, name="my_link"),
]
