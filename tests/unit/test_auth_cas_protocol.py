"""CAS protocol parsing (plugins/auth_cas/protocol.py) on the specification's own examples."""

import pytest

from plugins.auth_cas.attributes import map_attributes
from plugins.auth_cas.protocol import CasError, login_url, logout_request_ticket, logout_url, parse_validation

# CAS Protocol 3.0 specification, section 2.5.4 (success with attributes) and 2.5.3 (failure).
SUCCESS = b"""<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
 <cas:authenticationSuccess>
  <cas:user>username</cas:user>
  <cas:attributes>
   <cas:firstname>John</cas:firstname>
   <cas:lastname>Doe</cas:lastname>
   <cas:title>Mr.</cas:title>
   <cas:email>jdoe@example.org</cas:email>
   <cas:affiliation>staff</cas:affiliation>
   <cas:affiliation>faculty</cas:affiliation>
  </cas:attributes>
  <cas:proxyGrantingTicket>PGTIOU-84678-8a9d...</cas:proxyGrantingTicket>
 </cas:authenticationSuccess>
</cas:serviceResponse>"""
FAILURE = b"""<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
 <cas:authenticationFailure code="INVALID_TICKET">
    Ticket ST-1856339-aA5Yuvrxzpv8Tau1cYQ7 not recognized
  </cas:authenticationFailure>
</cas:serviceResponse>"""
# Section 2.3.3: the single-logout request a CAS server POSTs as logoutRequest.
LOGOUT = """<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
     xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="42" Version="2.0" IssueInstant="2026-11-29T00:00:00Z">
    <saml:NameID>@NOT_USED@</saml:NameID>
    <samlp:SessionIndex>ST-12345-abc</samlp:SessionIndex>
</samlp:LogoutRequest>"""


def test_success_with_multi_valued_attributes():
    identity = parse_validation(SUCCESS)
    assert identity.user == "username"
    assert identity.attributes["affiliation"] == ["staff", "faculty"]
    assert identity.attributes["email"] == ["jdoe@example.org"]


def test_failure_carries_the_code():
    with pytest.raises(CasError) as failure:
        parse_validation(FAILURE)
    assert failure.value.code == "INVALID_TICKET" and "not recognized" in failure.value.detail


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html/>",
        b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'/>",
        b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'><cas:authenticationSuccess>"
        b"<cas:user> </cas:user></cas:authenticationSuccess></cas:serviceResponse>",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><cas:serviceResponse '
        b'xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&e;</cas:user>'
        b"</cas:authenticationSuccess></cas:serviceResponse>",
    ],
)
def test_anything_else_is_a_bad_answer(body):
    with pytest.raises(CasError) as failure:
        parse_validation(body)
    assert failure.value.code == "BAD_ANSWER"


def test_logout_request_names_the_ticket():
    assert logout_request_ticket(LOGOUT) == "ST-12345-abc"
    assert logout_request_ticket("<samlp:LogoutRequest/>") is None
    assert logout_request_ticket("<other xmlns='urn:oasis:names:tc:SAML:2.0:protocol'/>") is None
    assert logout_request_ticket("") is None


def test_urls():
    assert login_url("https://cas.test/cas/", "http://a.test/cb?next=%2F", renew=True, gateway=True) == (
        "https://cas.test/cas/login?service=http%3A%2F%2Fa.test%2Fcb%3Fnext%3D%252F&renew=true"
    )
    assert logout_url("https://cas.test/cas", "2", "http://a.test/").endswith("/logout?url=http%3A%2F%2Fa.test%2F")


def test_mapping_first_source_wins_and_others_pass_through():
    released = {
        "displayName": ["Ada"],
        "cn": ["A. L."],
        "Mail": ["ada@u.test"],
        "supannEtuEtape": ["L3"],
        "username": ["spoof"],
    }
    mapped = map_attributes("display_name = displayName cn\nemail = mail  # comment\n\nbroken line", released)
    assert mapped["display_name"] == ["Ada"] and mapped["email"] == ["ada@u.test"]
    assert mapped["supannetuetape"] == ["L3"] and "username" not in mapped
