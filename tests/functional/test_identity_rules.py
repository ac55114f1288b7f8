"""Sign-in attributes become profile fields, roles and groups through the site's rules (core.access.identity)."""

import pytest

from core import hookimpl
from core.access.identity import add_rule, normalise_attributes, provision_user
from core.access.security import sign_in
from core.platform.errors import ValidationError


class Directory:
    """A stand-in for a directory plugin: adds what it knows of a user at every sign-in."""

    def __init__(self, known):
        self.known = known

    @hookimpl
    def amphi_user_attributes(self, request, user, attributes):
        return self.known.get(user.username)


@pytest.fixture
def signing_in(make_request, site):
    def sign(user, attributes=None, on=None):
        request = make_request(on or site)
        sign_in(request, user, "test", attributes)
        return request

    return sign


def test_attributes_are_normalised():
    assert normalise_attributes({"Mail": "a@b.fr", "groups": ["x", "x", " ", b"y"], "empty": [], "n": None}) == {
        "mail": ["a@b.fr"],
        "groups": ["x", "y"],
    }


def test_profile_fields_come_from_the_attributes(site, make_user, signing_in):
    ana = make_user(site, "ana")
    signing_in(ana, {"display_name": "Ana Lopez", "email": ["ana@univ.fr"], "affiliation": ["faculty", "member"]})
    assert (ana.display_name, ana.email, ana.affiliation) == ("Ana Lopez", "ana@univ.fr", "faculty")
    signing_in(ana, {})  # a sign-in that says nothing keeps what is known
    assert ana.display_name == "Ana Lopez"


def test_rules_grant_roles_and_never_lower_them(site, make_user, make_request, signing_in):
    request = make_request(site)
    add_rule(request, "affiliation", "faculty", "role", "staff")
    add_rule(request, "affiliation", "staff", "role", "staff")
    add_rule(request, "groups", "cn=video-admins,*", "role", "site-admin")
    prof, student, boss = (
        make_user(site, "prof"),
        make_user(site, "student"),
        make_user(site, "boss", role="site-admin"),
    )
    signing_in(prof, {"affiliation": ["Faculty"]})  # case does not matter
    signing_in(student, {"affiliation": ["student"]})
    signing_in(boss, {"affiliation": ["faculty"]})
    assert (prof.role, student.role, boss.role) == ("staff", "user", "site-admin")
    signing_in(prof, {"groups": ["cn=video-admins,ou=groups,dc=univ,dc=fr"]})
    assert prof.role == "site-admin"


def test_rule_groups_follow_the_attributes_and_local_groups_stay(site, make_user, make_request, signing_in, dbsession):
    from core.models import Group

    request = make_request(site)
    add_rule(request, "groups", "cn=l3-info,ou=groups,dc=univ,dc=fr", "group", "l3-info", "L3 Informatique")
    add_rule(request, "affiliation", "student", "group", "students")
    local = Group(site_id=site.id, name="choir", title="Choir")
    dbsession.add(local)
    ana = make_user(site, "ana")
    ana.groups.append(local)
    signing_in(ana, {"groups": ["CN=L3-INFO,OU=groups,DC=univ,DC=fr"], "affiliation": ["student"]})
    assert {g.name: (g.title, g.source) for g in ana.groups} == {
        "choir": ("Choir", "local"),
        "l3-info": ("L3 Informatique", "rules"),
        "students": ("students", "rules"),
    }
    signing_in(ana, {"affiliation": ["student"]})  # left L3: the group goes, the others stay
    assert {g.name for g in ana.groups} == {"choir", "students"}


def test_plugins_add_attributes_before_the_rules_apply(site, make_user, make_request, signing_in, register_plugin):
    register_plugin(Directory({"prof": {"affiliation": ["faculty"], "email": ["prof@univ.fr"]}}), "directory")
    from core.platform.sites import set_enabled_plugins

    set_enabled_plugins(make_request(site).registry, site, [*site.enabled_plugins, "directory"])
    add_rule(make_request(site), "affiliation", "faculty", "role", "staff")
    prof = make_user(site, "prof")
    signing_in(prof)  # a local password sign-in: no attributes of its own
    assert (prof.role, prof.email) == ("staff", "prof@univ.fr")


def test_rules_belong_to_their_site(site, make_site, make_user, make_request, signing_in):
    other = make_site("other")
    add_rule(make_request(site), "affiliation", "faculty", "role", "staff")
    elsewhere = make_user(other, "prof")
    signing_in(elsewhere, {"affiliation": ["faculty"]}, on=other)
    assert elsewhere.role == "user"


def test_invalid_rules_are_refused(site, make_request):
    request = make_request(site)
    with pytest.raises(ValidationError) as refused:
        add_rule(request, "bad attribute!", "", "role", "superuser")
    assert set(refused.value.errors) == {"attribute", "value", "target"}
    with pytest.raises(ValidationError) as refused:
        add_rule(request, "groups", "x", "group", "no spaces allowed")
    assert set(refused.value.errors) == {"target"}


def test_provisioning_external_users(site, make_user, make_request):
    request = make_request(site)
    with pytest.raises(ValidationError, match="no account"):
        provision_user(request, "newcomer", create=False, method="cas")
    user = provision_user(request, "newcomer", create=True, method="cas")
    assert (user.username, user.role, user.site_id) == ("newcomer", "user", site.id)
    assert provision_user(request, "newcomer", create=False, method="cas") is user
    with pytest.raises(ValidationError, match="no usable username"):
        provision_user(request, "../etc/passwd", create=True, method="cas")


def test_the_rules_page(testapp, site, make_user, make_testapp):
    make_user(site, "boss", role="site-admin", password="boss password 1")
    make_user(site, "prof", role="staff", password="prof password 1")
    prof = make_testapp("a.test")
    prof.sign_in("prof", "prof password 1")
    prof.get("/admin/identity-rules", status=403)
    testapp.sign_in("boss", "boss password 1")
    form = testapp.get("/admin/identity-rules").forms["rule-form"]
    form["attribute"], form["value"], form["kind"], form["target"] = "affiliation", "", "role", "superuser"
    refused = form.submit(status=400)
    assert 'aria-invalid="true"' in refused.text and "One of: user, staff, site-admin." in refused.text
    form = refused.forms["rule-form"]
    form["value"], form["kind"], form["target"], form["title"] = "cn=l3-*", "group", "l3-info", "<b>L3</b>"
    page = form.submit().follow()
    assert "the group &lt;b&gt;L3&lt;/b&gt;" in page.text
    delete = next(f for f in page.forms.values() if "/delete" in (f.action or ""))
    assert "No rules yet" in delete.submit().follow().text
