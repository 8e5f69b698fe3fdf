from django.urls import URLPattern, URLResolver, include, path

from help import case_urls, views

app_name = "help"
urlpatterns: list[URLPattern | URLResolver] = [
    # People: find a corner, book by phone, manage a booking with its code, classes.
    path("corners/", views.find, name="find"),
    path("corners/<int:pk>/", views.corner_page, name="corner"),
    path("corners/<int:pk>/book/", views.book, name="book"),
    path("corners/<int:pk>/screen/", views.queue_screen, name="queue_screen"),
    path("booking/", views.booking_lookup, name="booking_lookup"),
    path("booking/<str:code>/", views.booking, name="booking"),
    path("booking/<str:code>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("booking/<str:code>/move/", views.booking_reschedule, name="booking_reschedule"),
    path("classes/<int:pk>/", views.session_page, name="session"),
    # Staff: corners, hours, teams, the day's appointments, the queue, classes, skills.
    path("staff/corners/", views.staff_corners, name="staff_corners"),
    path("staff/corners/new/", views.corner_create, name="corner_create"),
    path("staff/corners/<int:pk>/", views.corner_detail, name="corner_detail"),
    path("staff/corners/<int:pk>/edit/", views.corner_edit, name="corner_edit"),
    path("staff/corners/<int:pk>/hours/", views.corner_hours, name="corner_hours"),
    path("staff/corners/<int:pk>/closures/", views.closure_add, name="closure_add"),
    path("staff/closures/<int:pk>/remove/", views.closure_remove, name="closure_remove"),
    path("staff/corners/<int:pk>/team/add/", views.member_add, name="member_add"),
    path("staff/team/<int:pk>/", views.member_edit, name="member_edit"),
    path("staff/corners/<int:pk>/day/", views.corner_day, name="corner_day"),
    path("staff/corners/<int:pk>/book/", views.staff_book, name="staff_book"),
    path("staff/corners/<int:pk>/queue/", views.queue, name="queue"),
    path("staff/corners/<int:pk>/queue/next/", views.queue_call_next, name="queue_call_next"),
    path("staff/corners/<int:pk>/classes/", views.sessions, name="sessions"),
    path("staff/appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path(
        "staff/appointments/<int:pk>/arrive/",
        views.appointment_arrive,
        name="appointment_arrive",
    ),
    path(
        "staff/appointments/<int:pk>/status/",
        views.appointment_status,
        name="appointment_status",
    ),
    path("staff/tokens/<int:pk>/", views.token_detail, name="token"),
    path("staff/tokens/<int:pk>/status/", views.token_status, name="token_status"),
    path("staff/classes/<int:pk>/", views.staff_session, name="staff_session"),
    path("staff/classes/<int:pk>/seats/", views.session_seat_add, name="session_seat_add"),
    path(
        "staff/classes/<int:pk>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path("staff/classes/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("staff/skills/", views.skills, name="skills"),
    path("", include(case_urls)),
]
