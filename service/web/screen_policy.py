"""What every screen's answer carries: its content security policy and headers, no copy in any cache for a
page with a patient's data, and its language. Shared by the pages, SMART App Launch and /docs."""

from __future__ import annotations

from flask import Response, current_app, request

from ..i18n import negotiate

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors ")
# What a cache may keep: the pages of no patient (the guideline's tables, the scales, the assets).
CACHEABLE = frozenset({"pages.static", "pages.guideline", "pages.scale", "pages.tester_page",
                       "pages.calculators_index"})


def content_security_policy() -> str:
    """The pages' policy: only this service's own assets; shown in a frame only by the origins of
    ``BONEMET_FRAME_ANCESTORS`` (none by default)."""
    origins = current_app.config["BONEMET"].frame_origins
    return CSP + (" ".join(origins) if origins else "'none'")


def secure_page(response: Response) -> Response:
    if response.mimetype in ("text/html", "image/svg+xml"):
        response.headers["Content-Security-Policy"] = content_security_policy()
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # the link's token never leaves in a Referer
        if not current_app.config["BONEMET"].frame_origins:
            response.headers["X-Frame-Options"] = "DENY"  # the same, for browsers that ignore frame-ancestors
    return response


def secure(response: Response) -> Response:
    if request.endpoint not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"  # a patient's data: in no cache, no back-button copy
    return secure_page(response)


def page_locale(kept: str | None = None) -> str:
    """A screen's language (``i18n.negotiate``): the ``lang`` asked, else a kept assessment's (an unknown one
    is passed over, never a 500), else the browser's."""
    return negotiate(request.values.get("lang"), kept, accept=request.accept_languages)
