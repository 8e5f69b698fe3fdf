from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-step/setup/", views.totp_setup_view, name="totp_setup"),
    path("two-step/verify/", views.totp_verify_view, name="totp_verify"),
    path("two-step/disable/", views.totp_disable_view, name="totp_disable"),
    path("security/", views.security_view, name="security"),
    path("security/password/", views.password_change_view, name="password_change"),
    path("security/tokens/", views.token_create_view, name="token_create"),
    path("security/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("users/", views.user_list_view, name="user_list"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/<int:pk>/", views.user_edit_view, name="user_edit"),
    path("audit/", views.audit_log_view, name="audit_log"),
    path("audit/export/", views.audit_export_view, name="audit_export"),
]
