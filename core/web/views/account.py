"""The signed-in user's own settings: personal access tokens for the API, where they are signed in."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core.access.security import end_sessions
from core.access.sessions import current_record_id, describe_agent, end_own_session, user_sessions
from core.access.tokens import EXPIRY_DAYS, create_token, own_token, revoke_token, user_tokens
from core.platform.errors import ValidationError


def tokens_values(request, errors=None, form=None, secret=None) -> dict:
    return {
        "tokens": user_tokens(request, request.user),
        "errors": errors or {},
        "secret": secret,
        "form": form or {"name": "", "scope": "read", "days": "90"},
        "expiry_days": EXPIRY_DAYS,
        "revoked": "revoked" in request.params,
    }


@view_config(route_name="account.tokens", renderer="account_tokens.html", permission="authenticated")
def tokens_page(request):
    if request.method != "POST":
        return tokens_values(request)
    form = {key: request.POST.get(key, "") for key in ("name", "scope", "days")}
    try:
        days = int(form["days"]) if form["days"].isdigit() else -1
        _token, secret = create_token(request, request.user, form["name"], form["scope"], days)
    except ValidationError as exc:
        request.response.status = 400
        return tokens_values(request, {k: request.localizer.translate(v) for k, v in exc.errors.items()}, form)
    # The secret is shown in this response only; it is not stored anywhere.
    request.response.headers["Cache-Control"] = "no-store"
    return tokens_values(request, secret=secret)


@view_config(
    route_name="account.token.revoke",
    renderer="account_token_revoke.html",
    permission="authenticated",
    request_method="GET",
)
def confirm_revoke(request):
    """Revoking stops every program that uses the token: the user confirms it first."""
    token = own_token(request, request.user, int(request.matchdict["token_id"]))
    if token is None:
        raise HTTPNotFound()
    return {"token": token}


@view_config(route_name="account.token.revoke", permission="authenticated", request_method="POST")
def revoke(request):
    token_id = int(request.matchdict["token_id"])
    if request.POST.get("confirm") != "yes":  # a form without the confirmation: ask for it
        return HTTPSeeOther(request.route_url("account.token.revoke", token_id=token_id))
    if not revoke_token(request, request.user, token_id):
        raise HTTPNotFound()
    return HTTPFound(request.route_url("account.tokens", _query={"revoked": 1}))


# --- where the user is signed in ---------------------------------------------------------


@view_config(
    route_name="account.sessions", renderer="account_sessions.html", permission="authenticated", request_method="GET"
)
def sessions_page(request):
    return {
        "sessions": user_sessions(request, request.user),
        "current": current_record_id(request),
        "describe": describe_agent,
        "ended": request.params.get("ended"),
    }


@view_config(route_name="account.session.end", permission="authenticated", request_method="POST")
def end_one_session(request):
    record_id = int(request.matchdict["session_id"])
    if record_id == current_record_id(request) or not end_own_session(request, record_id):
        raise HTTPNotFound()  # this browser signs out with the "Sign out" button
    return HTTPFound(request.route_url("account.sessions", _query={"ended": 1}))


@view_config(route_name="account.sessions.end_others", permission="authenticated", request_method="POST")
def end_other_sessions(request):
    ended = end_sessions(request, request.user, keep_current=True)
    return HTTPFound(request.route_url("account.sessions", _query={"ended": ended}))
