"""A real OpenID Connect provider on loopback for the tests: pyop's Provider in a small WSGI app, over TLS.

It publishes discovery and JWKS, signs people in on its own page (username and password),
and serves the authorization code flow with PKCE, the token and userinfo endpoints and
RP-initiated logout. ``tamper`` lets a test replace the id_token it hands out (another key,
another audience, an expired token, another nonce) to check the client refuses it.
"""

from __future__ import annotations

import datetime
import html
import ipaddress
import json
import secrets
import ssl
import threading
from socketserver import ThreadingMixIn
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from Cryptodome.PublicKey import RSA
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jwkest.jwk import RSAKey
from oic.oic.message import EndSessionRequest, IdToken
from pyop.authz_state import AuthorizationState
from pyop.exceptions import InvalidAuthenticationRequest, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo
from webob import Request, Response

USERS = {
    "alice": {
        "password": "alice password",
        "sub": "sub-alice-0001",
        "preferred_username": "alice",
        "name": "Alice Martin",
        "email": "alice@univ.example",
        "groups": ["l3-info", "staff-it"],
        "eduperson_affiliation": ["faculty", "member"],
    },
    "bob": {
        "password": "bob password",
        "sub": "sub-bob-0002",
        "name": "Bob Durand",
        "email": "bob@univ.example",
        "groups": ["l1-bio"],
        "eduperson_affiliation": ["student"],
    },
}


def new_key(kid: str) -> RSAKey:
    return RSAKey(key=RSA.generate(2048), alg="RS256", kid=kid, use="sig")


class LoopbackProvider:
    """An OpenID Connect provider; ``start()`` serves it on a free loopback port."""

    def __init__(
        self,
        folder,
        client_id: str = "amphi",
        client_secret: str = "amphi-secret",
        redirect_uris=(),
        post_logout_redirect_uris=(),
        end_session: bool = True,
    ):
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uris, self.post_logout_redirect_uris = list(redirect_uris), list(post_logout_redirect_uris)
        self.end_session = end_session
        self.key = new_key("op-key-1")
        self.tamper = None  # callable(claims, key) -> (claims, key)
        self.logouts: list[dict] = []
        self.token_requests: list[dict] = []
        self.ca_file = str(folder / "provider-cert.pem")
        self.server = make_server("127.0.0.1", 0, self, server_class=ThreadingTLSServer, handler_class=QuietHandler)
        self.server.socket = tls_context(folder).wrap_socket(self.server.socket, server_side=True)
        self.issuer = f"https://127.0.0.1:{self.server.server_port}"
        self.provider = self.make_provider()

    def make_provider(self) -> Provider:
        base = self.issuer
        configuration = {
            "issuer": base,
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
        if self.end_session:
            configuration["end_session_endpoint"] = base + "/logout"
        clients = {
            self.client_id: {
                "client_secret": self.client_secret,
                "redirect_uris": self.redirect_uris,
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
                "post_logout_redirect_uris": self.post_logout_redirect_uris,
            }
        }
        users = {name: {k: v for k, v in user.items() if k != "password"} for name, user in USERS.items()}
        return Provider(
            self.key,
            configuration,
            AuthorizationState(HashBasedSubjectIdentifierFactory("test salt")),
            clients,
            Userinfo(users),
            extra_scopes={"groups": ["groups", "eduperson_affiliation"]},
        )

    def allow(self, redirect_uri: str, post_logout_redirect_uri: str | None = None) -> None:
        """Register one more redirect URI (an Amphi site's callback) for the client."""
        client = self.provider.clients[self.client_id]
        client["redirect_uris"].append(redirect_uri)
        if post_logout_redirect_uri:
            client["post_logout_redirect_uris"].append(post_logout_redirect_uri)

    # --- serving -------------------------------------------------------------

    def start(self) -> LoopbackProvider:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __call__(self, environ, start_response):
        request = Request(environ)
        routes = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
            "/userinfo": self.userinfo,
            "/logout": self.logout,
        }
        handler = routes.get(request.path_info)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    # --- endpoints -----------------------------------------------------------

    def discovery(self, request):
        return json_response(self.provider.provider_configuration.to_dict())

    def jwks(self, request):
        return json_response(self.provider.jwks)

    def authorize(self, request):
        query = request.params.get("request_query") if request.method == "POST" else request.query_string
        try:
            auth_request = self.provider.parse_authentication_request(query)
        except InvalidAuthenticationRequest as exc:
            return Response(f"bad authentication request: {exc}", status=400)
        if request.method == "GET":
            return login_page(query, error="")
        if "cancel" in request.POST:
            error = {"error": "access_denied", "error_description": "the user said no", "state": auth_request["state"]}
            return redirect(auth_request["redirect_uri"] + "?" + urlencode(error))
        username = request.POST.get("username", "")
        if username not in USERS or USERS[username]["password"] != request.POST.get("password"):
            return login_page(query, error="Wrong username or password.")
        answer = self.provider.authorize(auth_request, username)
        return redirect(answer.request(auth_request["redirect_uri"]))

    def token(self, request):
        self.token_requests.append(dict(request.POST))
        try:
            answer = self.provider.handle_token_request(request.body.decode(), request.headers)
        except OAuthError as exc:
            return json_response({"error": exc.oauth_error, "error_description": str(exc)}, status=400)
        if self.tamper is not None:
            claims = IdToken().from_jwt(answer["id_token"], key=[self.key]).to_dict()
            claims, key = self.tamper(claims, self.key)
            answer["id_token"] = IdToken(**claims).to_jwt([key], "RS256")
        return json_response(answer.to_dict())

    def userinfo(self, request):
        try:
            answer = self.provider.handle_userinfo_request(
                request.query_string or request.body.decode(), request.headers
            )
        except OAuthError as exc:
            return json_response({"error": "invalid_token", "error_description": str(exc)}, status=401)
        return json_response(answer.to_dict())

    def logout(self, request):
        end_session = EndSessionRequest().from_dict(dict(request.params))
        self.logouts.append(dict(request.params))
        self.provider.logout_user(end_session_request=end_session)
        target = self.provider.do_post_logout_redirect(end_session)
        return redirect(target) if target else Response("You are signed out of the test provider.")


class ThreadingTLSServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


def tls_context(folder) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1, written to ``folder/provider-cert.pem`` for the clients to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Amphi test provider {secrets.token_hex(8)}")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (folder / "provider-cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "provider-key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "provider-cert.pem", folder / "provider-key.pem")
    return context


def json_response(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json", charset="utf-8")


def redirect(location: str) -> Response:
    return Response(status=302, location=location)


def login_page(query: str, error: str) -> Response:
    body = f"""<!doctype html><html lang="en"><head><title>Test provider</title></head><body><main>
<h1>Test identity provider</h1>{f'<p role="alert">{html.escape(error)}</p>' if error else ""}
<form method="post" action="/authorize"><input type="hidden" name="request_query" value="{html.escape(query)}">
<label for="u">Provider username</label> <input id="u" name="username">
<label for="p">Provider password</label> <input id="p" name="password" type="password">
<button type="submit" name="login">Log in at the provider</button>
<button type="submit" name="cancel">Cancel</button></form></main></body></html>"""
    return Response(body, status=401 if error else 200, content_type="text/html", charset="utf-8")
