"""What a failed HTTP exchange means for every channel client: the request may or may not have reached the
channel (a create must be looked up before it is retried), and either way it is worth trying again."""

from __future__ import annotations

from contextlib import contextmanager

import httpx

from magazynier.channels.errors import TransientError


@contextmanager
def transport_errors(what: str, party: str):
    """Turn httpx's transport failures inside the block into TransientError naming `party` ("Allegro")."""
    try:
        yield
    except httpx.TimeoutException:
        raise TransientError(f"{what}: {party} did not answer in time", maybe_applied=True) from None
    except httpx.ConnectError:
        raise TransientError(f"{what}: cannot connect to {party}", maybe_applied=False) from None
    except httpx.TransportError as exc:
        raise TransientError(f"{what}: connection broken ({type(exc).__name__})", maybe_applied=True) from None
