"""The one error shape of the toolkit.

Every failure a person can cause (a bad file, a wrong join code, an answer sent after
voting closed) is a ``ToolkitError`` carrying an HTTP status and a message that says what
is wrong and where. The server turns it into ``{"error": {...}}``; the CLI prints the
message; nothing shows a traceback for them.
"""

from __future__ import annotations


class ToolkitError(Exception):
    """Base of every domain error: a message for a person, an HTTP status, a kind."""

    status = 400
    kind = "bad_request"

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_dict(self) -> dict:
        body = {"status": self.status, "kind": self.kind, "message": self.message}
        if self.where:
            body["where"] = self.where
        return {"error": body}


class BadRequest(ToolkitError):
    status = 400
    kind = "bad_request"


class Invalid(ToolkitError):
    """Well-formed but unacceptable: an unknown option, an empty text."""

    status = 422
    kind = "invalid"


class NotFound(ToolkitError):
    status = 404
    kind = "not_found"


class Conflict(ToolkitError):
    """The request does not fit the session's state: voting closed, session ended."""

    status = 409
    kind = "conflict"


class Stale(Conflict):
    """An answer numbered below one the device already sent: the later tap stays.

    ``seq`` is the number stored, so a client can number its next answer above it."""

    kind = "stale"

    def __init__(self, message: str, *, seq: int):
        super().__init__(message)
        self.seq = seq

    def to_dict(self) -> dict:
        body = super().to_dict()
        body["error"]["seq"] = self.seq
        return body


class Forbidden(ToolkitError):
    status = 403
    kind = "forbidden"


class TooLarge(ToolkitError):
    """A request body over the server's limit, refused before it is read."""

    status = 413
    kind = "too_large"


class UnsupportedMediaType(ToolkitError):
    status = 415
    kind = "unsupported_media_type"


class TooManyRequests(ToolkitError):
    status = 429
    kind = "too_many_requests"


class TooManyDevices(TooManyRequests):
    """A device new to the session, one more than its network may add (``devices_per_address``):
    sending it again cannot help, unlike the other 429s, so it has a kind of its own."""

    kind = "too_many_devices"


class Busy(ToolkitError):
    """The database could not take the write in time; the same request a moment later will work."""

    status = 503
    kind = "busy"


class ConfigError(ToolkitError):
    """A setting (an environment variable) that cannot be used as it is."""

    status = 500
    kind = "config"


class StoreError(ToolkitError):
    """The database cannot be used: a newer schema, a foreign file, a corrupt file."""

    status = 500
    kind = "store"


class ContentError(ToolkitError):
    """One or more problems in a deck, poll bank or plan file.

    ``problems`` lists each as ``Problem``; the message joins them one per line.
    """

    status = 422
    kind = "content"

    def __init__(self, problems: list["Problem"]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        body = super().to_dict()
        body["error"]["problems"] = [p.to_dict() for p in self.problems]
        return body


class Problem:
    """One thing wrong in a content file: file, line, item id, field and what is wrong."""

    __slots__ = ("file", "line", "item", "field", "message")

    def __init__(self, file: str, message: str, *, line: int | None = None,
                 item: str | None = None, field: str | None = None):
        self.file, self.line, self.item, self.field, self.message = file, line, item, field, message

    def __str__(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        parts = []
        if self.item:
            parts.append(self.item)
        if self.field:
            parts.append(f"field '{self.field}'")
        subject = (", ".join(parts) + ": ") if parts else ""
        return f"{place}: {subject}{self.message}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "item": self.item, "field": self.field,
                "message": self.message}
