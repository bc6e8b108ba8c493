from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Transport and login: allowed networks, HTTPS, throttling, second factor (第二十二条)."""

    name = "lawtrail.security"

    def ready(self) -> None:
        # Connect the signal receivers (failed logins, the second factor after a login).
        from lawtrail.security import middleware, throttle  # noqa: F401
