"""A site signing in through CAS with its directory (LDAP) completing what CAS says: the rules see both."""

from sqlalchemy import select

from core.access.identity import add_rule
from core.models import User
from core.platform.sites import set_plugin_overrides
from tests.functional.test_auth_cas import cas, cas_sign_in, signed_in  # noqa: F401  (the real CAS server)
from tests.ldap_directory import ADMIN_DN, ADMIN_PASSWORD, BASE, slapd  # noqa: F401  (the real slapd)


def test_cas_sign_in_completed_by_the_directory(app, site, cas, slapd, make_request, testapp, dbsession):
    set_plugin_overrides(app.registry, site, "auth_cas", {"server_url": cas[0]})
    set_plugin_overrides(
        app.registry,
        site,
        "auth_ldap",
        {
            "server_uris": slapd.uri,
            "bind_dn": ADMIN_DN,
            "bind_password": ADMIN_PASSWORD,
            "user_base": f"ou=people,{BASE}",
            "connect_timeout": "2",
            "operation_timeout": "2",
        },
    )
    request = make_request(site)
    add_rule(request, "affiliation", "faculty", "role", "staff")  # CAS says faculty
    add_rule(request, "groups", "cn=l3-info,*", "group", "l3-info", "L3 Informatique")  # CAS's memberOf
    add_rule(request, "affiliation", "member", "group", "members", "Members")  # only the directory says member
    page, _query = cas_sign_in(testapp, next_url="/upload")
    assert page.location == "http://a.test/upload" and signed_in(testapp)
    prof = dbsession.scalar(select(User).where(User.site_id == site.id, User.username == "prof"))
    assert prof.role == "staff"  # may upload
    assert sorted(g.name for g in prof.groups) == ["l3-info", "members"]
    assert prof.affiliation == "faculty" and prof.display_name == "Ada Prof"  # the sign-in's own word comes first
