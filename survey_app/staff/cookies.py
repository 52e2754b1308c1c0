"""Session cookies marked Secure whenever the request came over HTTPS, not only when configured so.

``SESSION_COOKIE_SECURE`` is on in production; behind a TLS-terminating proxy that gunicorn trusts
(``forwarded_allow_ips``) or on any HTTPS request, the cookie gets ``Secure`` too, so a staff session never
travels over plain HTTP once it was made over HTTPS. HttpOnly and SameSite=Lax come from the configuration.

Every request opens the session (the language choice lives there) and saves it. Flask makes a new signing
serializer each time, and making one serialises a test value; here one is kept per secret key and fallbacks. A
session that is empty and unchanged (every survey respondent's) is saved without reading seven cookie settings first:
Flask would only add ``Vary: Cookie`` to such a response, when the session was read, and so does this.
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` set for requests made over HTTPS."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(super().get_cookie_secure(app))
        return configured or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once per secret key and list of fallback keys (None without a secret key)."""
        if not app.secret_key:
            return None
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            if len(self._serializers) >= 8:  # keys rotate rarely; tests make many apps with their own
                self._serializers.clear()
            self._serializers[key] = serializer
        return serializer

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:  # Flask's own early return, before its cookie settings
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def install(app: Flask) -> None:
    """Use :class:`HttpsAwareSessionInterface` for ``app`` unless another interface was chosen."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = HttpsAwareSessionInterface()
