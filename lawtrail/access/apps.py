from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Confidentiality, access requests and grants, copies for courts (第二十条, 第二十一条)."""

    name = "lawtrail.access"
