"""A real LTI 1.3 platform for the tests, served over HTTP on 127.0.0.1 (a session fixture).

Launches, the platform's keyset, its token endpoint and the check of deep-linking answers are the
``lti1p3platform`` library's (a platform implementation); around it, what the library leaves to its host:
the authorization endpoint (the OIDC answer: an auto-submitted form to the tool), the OpenID
configuration and client registration endpoint of LTI Dynamic Registration, and a page of another
origin that frames the tool (the browser test). Each launch is described beforehand under its
``lti_message_hint`` (:meth:`TestPlatform.prepare`).
"""

from __future__ import annotations

import html
import json
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


class KeyedRegistration(Registration):
    """lti1p3platform's registration, its key named (tools find a platform's key by ``kid``)."""

    kid = "platform-key-1"

    def get_kid(self):
        return self.kid

    def get_jwks(self):
        return [{**Registration.get_jwk(self.get_platform_public_key()), "kid": self.kid}]


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs):
        return self._registration


class DictRequest(Request):
    def build_metadata(self, request):
        return request


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


@dataclass
class PreparedLaunch:
    user: str
    roles: list[str]
    custom: dict = field(default_factory=dict)
    context: tuple[str, str] | None = ("course-1", "Optics 101")
    name: str = ""
    email: str = ""
    deep_link_return: str = ""
    accept_types: tuple[str, ...] = ("ltiResourceLink",)  # of a deep-linking launch ("html": Moodle's editor)
    overrides: dict = field(default_factory=dict)  # claims replaced in the signed message
    key: tuple[str, str] | None = None  # (private PEM, kid) to sign with instead of the platform's
    roster: bool = False  # offer Names and Roles for the course
    lineitem: str = ""  # a graded link: the line item's id (Assignment and Grade Services)


class TestPlatform:
    """The platform: its issuer is its base URL; one client (the tool) with one deployment."""

    __test__ = False

    def __init__(self, base: str):
        self.base = base
        self.issuer = base
        self.client_id = "amphi-tool-" + secrets.token_hex(4)
        self.deployment_id = "deployment-1"
        self.private_pem, self.public_pem = rsa_pem()
        self.prepared: dict[str, PreparedLaunch] = {}
        self.tool = "http://a.test"
        self.registrations: list[dict] = []  # what dynamic registrations asked for
        self.registration_token = "registration-" + secrets.token_hex(8)
        self.framed_url = ""
        self.tool_keyset: dict | None = None  # the tool's keyset, when the tool is not served over HTTP
        self.rosters: dict[str, list[dict]] = {}  # context id -> members (NRPS membership container)
        self.results: dict[str, dict[str, float]] = {}  # line item id -> user id -> score held
        self.scores: list[dict] = []  # every Score posted, as posted

    def registration(self, tool: str | None = None) -> KeyedRegistration:
        tool = tool or self.tool
        registration = (
            KeyedRegistration()
            .set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(tool + "/lti/login")
            .set_launch_url(tool + "/lti/launch")
            .set_deeplink_launch_url(tool + "/lti/launch")
            .set_platform_public_key(self.public_pem)
            .set_platform_private_key(self.private_pem)
            .set_tool_key_set_url(tool + "/lti/jwks.json")
        )
        if self.tool_keyset:
            registration.set_tool_key_set(self.tool_keyset)
        return registration

    def accept_deep_link(self, token: str) -> list[dict]:
        """The content items of a tool's deep-linking answer, once its signature is checked (lti1p3platform)."""
        return PlatformConf(registration=self.registration()).validate_deeplinking_resp({"JWT": token})

    def platform_fields(self) -> dict:
        """What a site admin enters to register this platform by hand."""
        return {
            "name": "Test Moodle",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_ids": self.deployment_id,
            "keyset_url": self.base + "/jwks",
            "token_url": self.base + "/token",
            "auth_url": self.base + "/auth",
        }

    def prepare(self, user: str = "student-1", roles=(LEARNER,), tool: str | None = None, **launch) -> str:
        """The tool's login initiation URL for a launch of ``user`` described by ``launch``."""
        hint = secrets.token_hex(8)
        self.prepared[hint] = PreparedLaunch(user=user, roles=list(roles), **launch)
        login = Login(None, PlatformConf(registration=self.registration(tool)))
        login.set_lti_message_hint(hint=hint)
        return login.prepare_preflight_url(user)

    def signed_launch(self, preflight: dict) -> dict:
        """The id_token and state answering the tool's authentication request (lti1p3platform signs)."""
        wanted = self.prepared[preflight["lti_message_hint"]]
        launch = Launch(
            DictRequest({"get_data": preflight, "form_data": {}}), PlatformConf(registration=self.registration())
        )
        launch.set_user_data(
            wanted.user, wanted.roles, full_name=wanted.name or None, email_address=wanted.email or None
        )
        launch.set_resource_link_claim(
            "link-" + wanted.user if not wanted.custom else "link-" + json.dumps(wanted.custom)
        )
        if wanted.context:
            launch.set_launch_context_claim(wanted.context[0], context_title=wanted.context[1])
        if wanted.custom:
            launch.set_custom_parameters_claim(wanted.custom)
        if wanted.roster and wanted.context:
            launch.set_nrps(f"{self.base}/nrps/{wanted.context[0]}")
        if wanted.lineitem:
            launch.set_ags(f"{self.base}/lineitems", f"{self.base}/lineitems/{wanted.lineitem}")
        if wanted.deep_link_return:
            launch.set_dl(wanted.deep_link_return, accept_types=set(wanted.accept_types))
        answer = launch.lti_launch()
        if wanted.overrides or wanted.key:
            answer["id_token"] = self.resign(answer["id_token"], wanted)
        return answer

    def resign(self, token: str, wanted: PreparedLaunch) -> str:
        """The same message with some claims replaced, or signed by another key (a forgery)."""
        claims = jwt.decode(token, options={"verify_signature": False})
        claims.update({k: v for k, v in wanted.overrides.items() if v is not None})
        for name in [k for k, v in wanted.overrides.items() if v is None]:
            claims.pop(name, None)
        private, kid = wanted.key or (self.private_pem, KeyedRegistration.kid)
        return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})

    # --- HTTP ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            status, content_type, content = self.answer(method, path, query, body, environ)
        except Exception as exc:  # the test sees the platform's error, not a hung request
            status, content_type, content = "500 Internal Server Error", "text/plain", repr(exc).encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(content)))])
        return [content]

    def answer(self, method, path, query, body, environ):
        if path == "/jwks":
            return ok_json({"keys": self.registration().get_jwks()})
        if path == "/auth":
            answer = self.signed_launch(query)
            return "200 OK", "text/html; charset=utf-8", auto_post(query["redirect_uri"], answer).encode()
        if path == "/token" and method == "POST":
            conf = PlatformConf(registration=self.registration())
            return ok_json(conf.get_access_token(dict(parse_qsl(body.decode()))))
        if path == "/.well-known/openid-configuration":
            return ok_json(self.openid_configuration())
        if path == "/register" and method == "POST":
            if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.registration_token}":
                return "401 Unauthorized", "application/json", b'{"error": "invalid_token"}'
            self.registrations.append(json.loads(body))
            return ok_json(
                {
                    **json.loads(body),
                    "client_id": self.client_id,
                    "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                        **json.loads(body)["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                        "deployment_id": self.deployment_id,
                    },
                }
            )
        if path.startswith(("/nrps/", "/lineitems/")):
            return self.service(method, path, query, body, environ)
        if path == "/course":  # a course page of another origin that frames the tool
            frame = html.escape(self.framed_url, quote=True)
            page = (
                '<!doctype html><html lang="en"><title>Course</title><main><h1>Optics 101</h1>'
                f'<iframe id="tool" title="Amphi video" src="{frame}" width="800" height="450" allow="autoplay; fullscreen">'
                "</iframe></main></html>"
            )
            return "200 OK", "text/html; charset=utf-8", page.encode()
        return "404 Not Found", "text/plain", b"not found"

    def service(self, method, path, query, body, environ):
        """Names and Roles (membership container) and Assignment and Grade Services (scores, results), as
        the IMS specifications define them, behind the platform's access tokens."""
        parts = path.strip("/").split("/")
        scope = {
            "nrps": "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            "scores": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            "results": "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        }[parts[0] if parts[0] == "nrps" else parts[-1]]
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        try:
            allowed = PlatformConf(registration=self.registration()).validate_token(token, allowed_scopes=[scope])
        except Exception:
            allowed = False
        if not allowed:
            return "401 Unauthorized", "application/json", b'{"error": "invalid_token"}'
        if parts[0] == "nrps":
            container = {"id": self.base + path, "context": {"id": parts[1]}, "members": self.rosters.get(parts[1], [])}
            return "200 OK", "application/vnd.ims.lti-nrps.v2.membershipcontainer+json", json.dumps(container).encode()
        lineitem = parts[1]
        if parts[-1] == "scores" and method == "POST":
            if environ.get("CONTENT_TYPE") != "application/vnd.ims.lis.v1.score+json":
                return "415 Unsupported Media Type", "text/plain", b"a score is expected"
            score = json.loads(body)
            self.scores.append({"lineitem": lineitem, **score})
            self.results.setdefault(lineitem, {})[score["userId"]] = score["scoreGiven"]
            return "204 No Content", "text/plain", b""
        held = self.results.get(lineitem, {})
        wanted = [u for u in held if u == query.get("user_id")] if "user_id" in query else list(held)
        results = [
            {
                "id": f"{self.base}/lineitems/{lineitem}/results/{u}",
                "scoreOf": f"{self.base}/lineitems/{lineitem}",
                "userId": u,
                "resultScore": held[u],
                "resultMaximum": 100,
            }
            for u in wanted
        ]
        return "200 OK", "application/vnd.ims.lis.v2.resultcontainer+json", json.dumps(results).encode()

    def openid_configuration(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.base + "/auth",
            "token_endpoint": self.base + "/token",
            "jwks_uri": self.base + "/jwks",
            "registration_endpoint": self.base + "/register",
            "scopes_supported": ["openid"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.5",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
            },
        }


def ok_json(value) -> tuple[str, str, bytes]:
    return "200 OK", "application/json", json.dumps(value).encode()


def auto_post(action: str, fields: dict) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v), quote=True)}">'
        for k, v in fields.items()
        if k in ("id_token", "state")
    )
    return (
        f'<!doctype html><title>Launch</title><form id="f" method="post" action="{html.escape(action, quote=True)}">'
        f'{inputs}</form><script>document.getElementById("f").submit()</script>'
    )


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        threading.Thread(target=self._handle, args=(request, client_address), daemon=True).start()

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


def serve_platform(port: int, public_host: str = "127.0.0.1"):
    """Start the platform on 127.0.0.1:``port`` in a thread, known as ``public_host`` (its issuer, its
    URLs); return (platform, server)."""
    platform = TestPlatform(f"http://{public_host}:{port}")
    server = make_server("127.0.0.1", port, platform, server_class=ThreadingServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return platform, server  # listening since make_server returned
