"""Helpers shared by the recorder plugin's tests: an admin, a recorder, HTTP digest answers."""

import hashlib
import os
import re
from urllib.request import parse_http_list, parse_keqv_list

PASSWORD = "recorder test password"
AGENT_PASSWORD = "agent secret password"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_header(challenge: str, method: str, uri: str, username: str, password: str, count: int = 1) -> str:
    """The Authorization header a client sends back for a ``Digest`` challenge (qop=auth), its ``count``-th."""
    params = parse_keqv_list(parse_http_list(challenge.split(" ", 1)[1]))
    cnonce, nc = os.urandom(8).hex(), f"{count:08x}"
    ha1 = md5(f"{username}:{params['realm']}:{password}")
    ha2 = md5(f"{method}:{uri}")
    response = md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{username}", realm="{params["realm"]}", nonce="{params["nonce"]}", uri="{uri}", '
        f'response="{response}", qop=auth, nc={nc}, cnonce="{cnonce}", algorithm=MD5'
    )


def digest_challenge(response) -> str:
    return next(value for key, value in response.headerlist if key == "WWW-Authenticate" and value.startswith("Digest"))


class AgentClient:
    """Calls a WebTest app as a capture agent does: unauthenticated first, then with the digest answer."""

    def __init__(self, testapp, username: str, password: str):
        self.testapp, self.username, self.password = testapp, username, password

    def call(self, method: str, uri: str, params=None, status=200, upload_files=None):
        send = self.testapp.post if method == "POST" else self.testapp.get
        first = send(uri, headers={"X-Requested-Auth": "Digest"}, status=401)
        header = digest_header(digest_challenge(first), method, uri, self.username, self.password)
        kwargs = {"upload_files": upload_files} if upload_files else {}
        return send(
            uri, params or {}, headers={"Authorization": header, "X-Requested-Auth": "Digest"}, status=status, **kwargs
        )


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
