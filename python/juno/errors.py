"""The exceptions JUNO raises: one class per kind of core error.

Every error from the native layer is a :class:`JunoError` subclass chosen by the core's
``ErrorKind`` (its ``as_str`` name is :attr:`JunoError.kind`), carrying the error's
machine-readable fields in :attr:`JunoError.details`::

    try:
        j.memory.get(42)
    except juno.errors.NotFoundError as e:
        e.kind      # "not_found"
        e.details   # {"entity": "memory", "id": "42"}

Classes also inherit the built-in family a Python caller would catch: bad input is a
``ValueError``, a missing thing a ``LookupError``, a file problem an ``OSError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "BusyError",
    "ConfigError",
    "CorruptDatabaseError",
    "ERRORS_BY_KIND",
    "InvalidInputError",
    "InvalidStateError",
    "JunoError",
    "JunoIOError",
    "NotADatabaseError",
    "NotFoundError",
    "PermissionDeniedError",
    "SchemaTooNewError",
    "StorageError",
    "RemoteError",
]


class JunoError(Exception):
    """Base class of every JUNO error.

    Attributes:
        kind: the core's error kind (``"invalid_input"``, ``"not_found"``, …).
        details: the error's fields by name (``{"field": ..., "reason": ...}``).
        message: the human-readable message (also ``str(error)``).
    """

    kind: str
    default_kind: ClassVar[str] = "error"
    details: dict[str, Any]
    message: str

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind if kind is not None else self.default_kind
        self.details = dict(details) if details is not None else {}

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep kind and details through pickling (multiprocessing, logging handlers).
        return (_rebuild, (type(self), self.message, self.kind, self.details))


def _rebuild(
    cls: type[JunoError], message: str, kind: str, details: dict[str, Any]
) -> JunoError:
    return cls(message, kind=kind, details=details)


class InvalidInputError(JunoError, ValueError):
    """A caller-supplied value was rejected (bad field, malformed JSON, unknown kind)."""

    default_kind = "invalid_input"


class ConfigError(JunoError):
    """A setting has a bad value; ``details["setting"]`` names it."""

    default_kind = "config"


class NotFoundError(JunoError, LookupError):
    """Something asked for does not exist."""

    default_kind = "not_found"


class InvalidStateError(JunoError):
    """The operation is not allowed now (the engine is closed, memory is disabled, …)."""

    default_kind = "invalid_state"


class PermissionDeniedError(JunoError):
    """The caller is not authorised."""

    default_kind = "permission_denied"


class SchemaTooNewError(JunoError):
    """The database was written by a newer JUNO; upgrade this package."""

    default_kind = "schema_too_new"


class NotADatabaseError(JunoError):
    """The file is not an SQLite database."""

    default_kind = "not_a_database"


class CorruptDatabaseError(JunoError):
    """The database file is damaged."""

    default_kind = "corrupt"


class BusyError(JunoError):
    """Another connection held a lock for longer than the busy timeout."""

    default_kind = "busy"


class JunoIOError(JunoError, OSError):
    """A file could not be read or written; ``details["path"]`` names it."""

    default_kind = "io"


class StorageError(JunoError):
    """Any other storage failure."""

    default_kind = "storage"


class RemoteError(JunoError, ConnectionError):
    """A remote service (Jira) refused or failed a call; ``details`` has ``service``,
    ``status`` (the HTTP status, or ``None`` when no answer came) and ``message``. The
    message never contains a token."""

    default_kind = "remote"


#: The class for each core ``ErrorKind`` name; the native layer raises through this.
ERRORS_BY_KIND: Mapping[str, type[JunoError]] = {
    cls.default_kind: cls
    for cls in (
        InvalidInputError,
        ConfigError,
        NotFoundError,
        InvalidStateError,
        PermissionDeniedError,
        SchemaTooNewError,
        NotADatabaseError,
        CorruptDatabaseError,
        BusyError,
        JunoIOError,
        StorageError,
        RemoteError,
    )
}
