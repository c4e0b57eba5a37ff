from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "fayuan.security"
    verbose_name = "安全"

    def ready(self) -> None:
        from fayuan.security import signals

        signals.connect()
