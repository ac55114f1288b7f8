"""Exception views: one JSON shape for the API, a friendly page for browsers."""

from __future__ import annotations

from pyramid.csrf import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPFound
from pyramid.i18n import TranslationString
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from core.errors import AmphiError, ValidationError
from core.i18n import _


def wants_json(request) -> bool:
    if request.path.startswith(("/api/", "/oembed")) or request.content_type == "application/json":
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


def error_response(request, status: int, code: str, message: str, info: dict | None = None):
    """``{code, errno, error, message, info}`` for API clients, an error page otherwise."""
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
              429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    if wants_json(request):
        response = request.response
        response.status = status
        response.content_type = "application/json"
        response.json_body = {"code": status, "errno": code, "error": titles.get(status, "Error"),
                              "message": message, "info": info or {}}
        return response
    response = render_to_response("error.html", {"status": status, "message": message}, request=request)
    response.status = status
    return response


@notfound_view_config()
def not_found(exc, request):
    # Only our own (translatable) details are shown; Pyramid's say which route missed.
    message = exc.detail if isinstance(exc.detail, TranslationString) else _("This page does not exist.")
    return error_response(request, 404, "not-found", request.localizer.translate(message))


@forbidden_view_config()
def forbidden(exc, request):
    is_page = request.method == "GET" and not wants_json(request) and not request.path.startswith("/media/")
    if request.user is None and is_page:
        return HTTPFound(request.route_url("login", _query={"next": request.path_qs}))
    message = exc.detail if isinstance(exc.detail, TranslationString) else _("You are not allowed to see this.")
    return error_response(request, 403, "forbidden", request.localizer.translate(message))


@exception_view_config(BadCSRFToken)
@exception_view_config(BadCSRFOrigin)
def bad_csrf(exc, request):
    message = request.translate("The form expired or did not come from this site; reload the page and try again.")
    return error_response(request, 400, "csrf", message)


@exception_view_config(AmphiError)
def amphi_error(exc, request):
    message, info = exc.message, exc.info
    if isinstance(exc, ValidationError):  # each field's message in the caller's language, ${values} filled in
        fields = {k: request.localizer.translate(v) if isinstance(v, TranslationString) else v
                  for k, v in exc.errors.items()}
        message, info = "; ".join(f"{k}: {v}" for k, v in fields.items()), {**exc.info, "fields": fields}
    response = error_response(request, exc.status, exc.code, message, info)
    if exc.status == 429 and "retry_after" in exc.info:
        response.headers["Retry-After"] = str(exc.info["retry_after"])
    return response


@exception_view_config(HTTPException)
def http_error(exc, request):
    if exc.code < 400:
        return exc
    detail = exc.detail or exc.explanation
    message = request.localizer.translate(detail) if isinstance(detail, TranslationString) else detail
    response = error_response(request, exc.code, exc.title.lower().replace(" ", "-"), message)
    if "WWW-Authenticate" in exc.headers:
        response.headers["WWW-Authenticate"] = exc.headers["WWW-Authenticate"]
    return response
