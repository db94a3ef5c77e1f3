"""The only exceptions connectors raise. Messages carry the channel's code, path and user message and the
trace id support asks for — never tokens, secrets or personal data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorDetail:
    code: str = ""
    message: str = ""
    user_message: str = ""
    path: str = ""
    metadata: dict = field(default_factory=dict)

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        text = self.user_message or self.message
        return f"{self.code}{where}: {text}" if self.code else text


class ChannelError(Exception):
    """Base class: `status` is the HTTP status (0 when no answer came), `details` the channel's error items."""

    retryable = False

    def __init__(self, message: str, *, status: int = 0, details: tuple[ErrorDetail, ...] = (),
                 trace_id: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = tuple(details)
        self.trace_id = trace_id

    @property
    def codes(self) -> set[str]:
        return {d.code for d in self.details if d.code}

    def __str__(self) -> str:
        parts = [self.message]
        if self.details:
            parts.append("; ".join(str(d) for d in self.details))
        if self.trace_id:
            parts.append(f"trace-id {self.trace_id}")
        return " — ".join(parts)


class TransientError(ChannelError):
    """Server error, timeout or dropped connection: try again later. `maybe_applied` is true when the
    request may have reached the channel (a create must be looked up before it is retried)."""

    retryable = True

    def __init__(self, message: str, *, maybe_applied: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.maybe_applied = maybe_applied


class RateLimited(TransientError):
    """Over a rate budget (ours or the channel's). `scope` says whose budget: "client" (the whole application,
    all sellers) or "seller"; wait `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float, scope: str = "client", **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.scope = scope


class AuthenticationError(ChannelError):
    """The account's authorisation is gone (refresh token dead or revoked): the seller must reconnect."""


class PermissionDenied(ChannelError):
    """The token lacks a scope or the resource belongs to someone else."""


class InvalidRequest(ChannelError):
    """The channel refused the data (400/422): fix the data, retrying will not help."""


class NotFound(ChannelError):
    pass


class Conflict(ChannelError):
    """409: id already used, stale revision, previous change still processing."""


class ConfigurationError(ChannelError):
    """Our request is malformed for this channel (406/415, wrong host): a bug or a bad setting, not the data."""
