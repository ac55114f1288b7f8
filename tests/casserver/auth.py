"""The test CAS server's accounts: username → (password, attributes released to Amphi)."""

from cas_server.auth import AuthUser

USERS = {
    "prof": (
        "prof-secret-1",
        {
            "displayName": "Ada Prof",
            "mail": "ada.prof@univ.test",
            "eduPersonPrimaryAffiliation": "faculty",
            "memberOf": ["cn=l3-info,ou=groups,dc=univ", "cn=staff,ou=groups,dc=univ"],
        },
    ),
    "student": (
        "student-secret-1",
        {"displayName": "Sam Student", "mail": "sam@univ.test", "eduPersonPrimaryAffiliation": "student"},
    ),
}


class FixedUsers(AuthUser):
    """django-cas-server's authentication interface over :data:`USERS`."""

    def test_password(self, password):
        return self.username in USERS and USERS[self.username][0] == password

    def attributs(self):
        return dict(USERS[self.username][1]) if self.username in USERS else {}
