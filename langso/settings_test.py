"""Test settings: the production module with only what makes tests fast and hermetic changed."""

from langso.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFY_QUIET_HOURS = ""
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the app directories through the finders; no collectstatic in tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = VAR_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
