"""Session cookies marked Secure whenever the request came over HTTPS, not only when configured so.

``SESSION_COOKIE_SECURE`` is on in production; behind a TLS-terminating proxy that gunicorn trusts
(``forwarded_allow_ips``) or on any HTTPS request, the cookie gets ``Secure`` too, so a staff session never
travels over plain HTTP once it was made over HTTPS. HttpOnly and SameSite=Lax come from the configuration.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` set for requests made over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(super().get_cookie_secure(app))
        return configured or (has_request_context() and request.is_secure)


def install(app: Flask) -> None:
    """Use :class:`HttpsAwareSessionInterface` for ``app`` unless another interface was chosen."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = HttpsAwareSessionInterface()
