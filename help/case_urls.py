"""Addresses of the case pages (mounted by help/urls.py in the "help" namespace)."""

from django.urls import URLPattern, path

from help import case_views as views

urlpatterns: list[URLPattern] = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/overdue/", views.case_overdue, name="case_overdue"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/person/", views.case_link_person, name="case_link_person"),
    path("cases/<int:pk>/consent/", views.case_consent, name="case_consent"),
    path("cases/<int:pk>/actions/", views.case_action, name="case_action"),
    path("cases/<int:pk>/files/", views.case_attachment_add, name="case_attachment_add"),
    path(
        "cases/<int:pk>/files/<int:attachment_pk>/",
        views.case_attachment,
        name="case_attachment",
    ),
    path("cases/<int:pk>/question-audio/", views.case_question_audio, name="case_question_audio"),
    path("cases/<int:pk>/referrals/", views.case_referral_add, name="case_referral_add"),
    path("referrals/<int:pk>/", views.referral_status, name="referral_status"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("cases/<int:pk>/did-alone/", views.case_did_alone, name="case_did_alone"),
    path("cases/<int:pk>/feedback/", views.case_feedback, name="case_feedback"),
    path("cases/<int:pk>/answer/", views.case_answer, name="case_answer"),
    path("cases/<int:pk>/faq/", views.case_faq, name="case_faq"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("targets/", views.topic_targets, name="topic_targets"),
    path("ask/", views.ask, name="ask"),
    path("ask/sent/", views.ask_sent, name="ask_sent"),
    path("ask/answer/", views.ask_answer, name="ask_answer"),
    path("f/<str:code>/", views.feedback, name="feedback"),
]
