"""The errors a blob store raises. A store that raises has published nothing."""

from __future__ import annotations

__all__ = ["BlobNotFound", "ContentMismatch", "StoreError"]


class StoreError(Exception):
    """A store could not do what was asked; nothing was published."""


class BlobNotFound(StoreError, LookupError):
    """No blob with that SHA-256 is in the store."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no blob {sha256} in the store")
        self.sha256 = sha256


class ContentMismatch(StoreError, ValueError):
    """The bytes that arrived differ from what the client declared; nothing was published."""

    def __init__(self, field: str, declared: str | int, actual: str | int) -> None:
        super().__init__(f"declared {field} {declared} but the content has {actual}")
        self.field = field
        self.declared = declared
        self.actual = actual
