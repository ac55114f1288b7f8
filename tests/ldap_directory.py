"""A real OpenLDAP server (slapd) on a free loopback port, loaded with a small university."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from core.testing import free_port

SLAPD, SLAPADD = "/usr/sbin/slapd", "/usr/sbin/slapadd"
BASE = "dc=univ,dc=test"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{BASE}", "directory-admin-secret"
PASSWORDS = {"prof": "prof password", "lea": "lea password", "bob": "bob password"}

# Debian ships no eduPerson schema; memberOf is declared as a plain attribute (no overlay needed).
SCHEMA = """
attributetype ( 1.3.6.1.4.1.5923.1.1.1.1 NAME 'eduPersonAffiliation'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
objectclass ( 1.3.6.1.4.1.5923.1.1.2 NAME 'eduPerson' AUXILIARY MAY ( eduPersonAffiliation ) )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
objectclass ( 1.3.6.1.4.1.32473.1.2.1 NAME 'amphiTestMember' AUXILIARY MAY ( memberOf ) )
"""

CONF = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {d}/test.schema
pidfile {d}/slapd.pid
{tls}modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {d}/data
access to attrs=userPassword by self read by anonymous auth by * none
access to * by * read
"""


def line(name, value):
    """An LDIF line; values that are not plain ASCII go base64-encoded."""
    if value.isascii():
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}"


def person(uid, name, mail, affiliations, member_of=()):
    lines = [
        f"dn: uid={uid},ou=people,{BASE}",
        "objectClass: inetOrgPerson",
        "objectClass: eduPerson",
        "objectClass: amphiTestMember",
        f"uid: {uid}",
        line("cn", name),
        f"sn: {name.split()[-1]}",
        line("displayName", name),
        f"mail: {mail}",
        f"userPassword: {PASSWORDS[uid]}",
    ]
    lines += [f"eduPersonAffiliation: {a}" for a in affiliations]
    lines += [f"memberOf: {g}" for g in member_of]
    return "\n".join(lines)


L3_INFO = f"cn=l3-info,ou=groups,{BASE}"
L2_INFO = f"cn=l2-info,ou=groups,{BASE}"

LDIF = (
    "\n\n".join(
        [
            f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: univ\no: Univ",
            f"dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people",
            f"dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups",
            person("prof", "Ada Lovelace", "ada@univ.test", ["faculty", "member"]),
            person("lea", "Léa Martin", "lea@univ.test", ["student", "member"], [L3_INFO]),
            person("bob", "Bob Durand", "bob@univ.test", ["student"]),
            f"dn: {L3_INFO}\nobjectClass: groupOfNames\ncn: l3-info\nmember: uid=lea,ou=people,{BASE}",
            f"dn: {L2_INFO}\nobjectClass: groupOfNames\ncn: l2-info\nmember: uid=bob,ou=people,{BASE}",
        ]
    )
    + "\n"
)


class Slapd:
    """One slapd process in ``folder``; ``stop()`` and ``start()`` simulate an outage."""

    def __init__(self, folder: Path, tls: bool = False):
        self.folder, self.port, self.process = folder, free_port(), None
        (folder / "data").mkdir()
        (folder / "test.schema").write_text(SCHEMA)
        tls_lines = ""
        if tls:  # a self-signed certificate for 127.0.0.1, which is also the CA file clients trust
            subprocess.run(
                [
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-keyout",
                    str(folder / "server.key"),
                    "-out",
                    str(self.ca_file),
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ],
                check=True,
                capture_output=True,
            )
            tls_lines = f"TLSCertificateFile {self.ca_file}\nTLSCertificateKeyFile {folder / 'server.key'}\n"
        (folder / "slapd.conf").write_text(
            CONF.format(d=folder, base=BASE, admin=ADMIN_DN, password=ADMIN_PASSWORD, tls=tls_lines)
        )
        (folder / "data.ldif").write_text(LDIF, encoding="utf-8")
        subprocess.run(
            [SLAPADD, "-q", "-f", str(folder / "slapd.conf"), "-l", str(folder / "data.ldif")],
            check=True,
            capture_output=True,
        )

    @property
    def ca_file(self) -> Path:
        return self.folder / "server.crt"

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", self.uri + "/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"slapd exited with status {self.process.returncode}") from None
                time.sleep(0.05)
        raise RuntimeError("slapd did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def running_slapd(folder: Path, tls: bool = False):
    if not (Path(SLAPD).exists() and Path(SLAPADD).exists() and shutil.which("ldapsearch")):
        pytest.skip("OpenLDAP is not installed (Debian packages slapd and ldap-utils; ./run-tests installs them)")
    if tls and not shutil.which("openssl"):
        pytest.skip("openssl is not installed: no certificate for the StartTLS test")
    from plugins.auth_ldap.directory import POOL

    server = Slapd(folder, tls=tls)
    server.start()
    yield server
    server.stop()
    POOL.clear()


@pytest.fixture
def slapd(tmp_path):
    """A running slapd loaded with prof (faculty), lea (student, memberOf l3-info), bob (student, group l2-info)."""
    yield from running_slapd(tmp_path)


@pytest.fixture
def slapd_tls(tmp_path):
    """The same directory with a certificate for 127.0.0.1 (``ca_file``), for StartTLS."""
    yield from running_slapd(tmp_path, tls=True)
