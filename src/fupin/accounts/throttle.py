"""Throttling of bad API tokens, with django-axes' own machinery.

The web sign-in is counted by axes through its authentication backend. A bearer token
never passes through ``authenticate()``, so the API reports its failures to the same
axes handler itself, as a sign-in of one fixed pseudo user name per client address: bad
tokens from one address lock that address out of token sign-in for the same cool-off as
the web (``AXES_FAILURE_LIMIT``, ``AXES_COOLOFF_TIME``), in the same database table, seen
by every server process, listed and lifted with axes' tools (``fupin axes_reset_ip``).
Reusing axes rather than a counter of our own keeps one set of limits, one store and one
way to unlock. While an address is locked out even a valid token is refused, so guessing
gets no answer at all.
"""

from __future__ import annotations

import copy

from django.http import HttpRequest, QueryDict

# Not a possible user name (user names have no spaces or angle brackets), so it never
# collides with a real user's web sign-in failures.
TOKEN_USERNAME = "<api token>"  # noqa: S105
_CREDENTIALS = {"username": TOKEN_USERNAME}


def token_attempt_allowed(request: HttpRequest) -> bool:
    from axes.handlers.proxy import AxesProxyHandler  # type: ignore[import-untyped]

    return bool(AxesProxyHandler.is_allowed(request, _CREDENTIALS))


def token_attempt_failed(request: HttpRequest) -> None:
    """Count a bad token from this client. Axes stores the request's query and form data
    with a failure; API queries can hold ID numbers, so it is given a copy without them."""
    from axes.handlers.proxy import AxesProxyHandler

    bare = copy.copy(request)
    bare.GET = QueryDict()
    bare.POST = QueryDict()
    AxesProxyHandler.user_login_failed(
        sender=token_attempt_failed, credentials=_CREDENTIALS, request=bare
    )
