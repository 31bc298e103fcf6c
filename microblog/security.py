"""Response headers every answer carries, error pages included; proxy headers checked (bodies: bodies.py)."""

import logging

from flask import Flask, current_app, request

log = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for Bootstrap's own CSS icons (checkbox ticks, invalid-field marks); images only.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_PROXY_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")
_PROXY_KEYS = tuple("HTTP_" + name.upper().replace("-", "_") for name in _PROXY_HEADERS)  # as in the environ


def _warn_untrusted_proxy() -> None:
    """Proxy headers while TRUSTED_PROXIES=0: every client seems to share the proxy's address. Said once."""
    if current_app.config["TRUSTED_PROXIES"] or current_app.extensions.get("microblog_proxy_warned"):
        return
    environ = request.environ  # read directly: this runs on every request
    if any(key in environ for key in _PROXY_KEYS):
        current_app.extensions["microblog_proxy_warned"] = True
        log.warning(
            "requests carry proxy headers (X-Forwarded-For...) but TRUSTED_PROXIES=0: per-address rate limits "
            "see the proxy's address, so one client can block everyone. Set TRUSTED_PROXIES to the number of "
            "proxies in front of the app."
        )


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


# Pages and fragments may hold private data (messages, settings, CSRF tokens): no browser or shared cache
# keeps them. Answers that chose their own caching (static files, avatars) keep it.
DEFAULT_HEADERS = (*SECURITY_HEADERS.items(), ("Cache-Control", "no-store"))


def _strict_transport_security(response) -> None:
    """In production, over HTTPS (as the client reached the proxy, when TRUSTED_PROXIES lets the app believe
    its X-Forwarded-Proto), browsers are told to use HTTPS only for HSTS_MAX_AGE seconds. Never in
    development, never over plain HTTP (RFC 6797 7.2)."""
    config = current_app.config
    if config.get("ENV_NAME") == "production" and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={int(config['HSTS_MAX_AGE'])}")


def init_app(app: Flask) -> None:
    @app.before_request
    def _check_request():
        _warn_untrusted_proxy()

    @app.after_request
    def _security_headers(response):
        # Each header the answer did not set itself, in one pass over its headers (this runs on every
        # answer: five setdefault calls were a tenth of an idle poll's CPU).
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend([(name, value) for name, value in DEFAULT_HEADERS if name.lower() not in present])
        _strict_transport_security(response)
        return response
