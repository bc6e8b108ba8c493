from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Transport and login: allowed networks, HTTPS, throttling, second factor (第二十二条)."""

    name = "lawtrail.security"
