from django.apps import AppConfig


class LangsoConfig(AppConfig):
    name = "langso"
    verbose_name = "Làng Số"

    def ready(self) -> None:
        from langso import checks  # noqa: F401  (registers the system checks)
