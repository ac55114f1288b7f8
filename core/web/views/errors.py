"""Exception views: one JSON shape for the API, a friendly page for browsers."""

from __future__ import annotations

from http import HTTPStatus

from pyramid.csrf import BadCSRFOrigin, BadCSRFToken
from pyramid.exceptions import PredicateMismatch
from pyramid.httpexceptions import HTTPException, HTTPFound
from pyramid.i18n import TranslationString
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from core.access.tokens import BEARER_CHALLENGE
from core.platform.errors import AmphiError, ValidationError
from core.platform.i18n import _


def wants_json(request) -> bool:
    if request.path.startswith(("/api/", "/oembed")) or request.content_type == "application/json":
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


def error_response(request, status: int, code: str, message: str, info: dict | None = None):
    """``{code, errno, error, message, info}`` for API clients, an error page otherwise."""
    if wants_json(request):
        response = request.response
        response.status = status
        response.content_type = "application/json"
        response.json_body = {
            "code": status,
            "errno": code,
            "error": HTTPStatus(status).phrase,
            "message": message,
            "info": info or {},
        }
        return response
    response = render_to_response("error.html", {"status": status, "message": message}, request=request)
    response.status = status
    return response


def route_methods(request, route_name: str) -> frozenset[str] | None:
    """The methods the views of a route answer (GET brings HEAD); None when one of them takes any method."""
    cache = request.registry.setdefault("amphi.route_methods", {})
    if route_name not in cache:
        cache[route_name] = _view_methods(request, route_name)
    return cache[route_name]


def _view_methods(request, route_name: str) -> frozenset[str] | None:
    methods: set[str] = set()
    for view in request.registry.introspector.get_category("views") or ():
        intr = view["introspectable"]
        if intr["route_name"] != route_name or intr["exception_only"]:
            continue
        if intr["request_methods"] is None:
            return None
        given = intr["request_methods"]
        methods.update((given,) if isinstance(given, str) else given)
    if "GET" in methods:
        methods.add("HEAD")
    return frozenset(methods)


def method_not_allowed(request):
    """A 405 with ``Allow`` when the route exists but none of its views takes this method, else None."""
    route = getattr(request, "matched_route", None)
    allowed = route_methods(request, route.name) if route is not None else None
    if not allowed or request.method in allowed:
        return None
    message = request.translate("This address does not accept the method ${method}.", method=request.method)
    response = error_response(request, 405, "method-not-allowed", message)
    response.headers["Allow"] = ", ".join(sorted(allowed))
    return response


@notfound_view_config()
def not_found(exc, request):
    if isinstance(exc, PredicateMismatch):
        refused = method_not_allowed(request)
        if refused is not None:
            return refused
    # Only our own (translatable) details are shown; Pyramid's say which route missed.
    message = exc.detail if isinstance(exc.detail, TranslationString) else _("This page does not exist.")
    return error_response(request, 404, "not-found", request.localizer.translate(message))


@forbidden_view_config()
def forbidden(exc, request):
    is_page = request.method == "GET" and not wants_json(request) and not request.path.startswith("/media/")
    if request.user is None and is_page:
        return HTTPFound(request.route_url("login", _query={"next": request.path_qs}))
    if request.user is None and request.path.startswith("/api/"):  # an API client that sent no credentials
        message = request.translate("Sign in, or send an access token.")
        response = error_response(request, 401, "unauthorized", message)
        response.headers["WWW-Authenticate"] = BEARER_CHALLENGE
        return response
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
        fields = {
            k: request.localizer.translate(v) if isinstance(v, TranslationString) else v for k, v in exc.errors.items()
        }
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
    if "WWW-Authenticate" in exc.headers or exc.code == 401:
        response.headers["WWW-Authenticate"] = exc.headers.get("WWW-Authenticate", BEARER_CHALLENGE)
    return response
