"""Site administration: the rules that turn sign-in attributes into roles and groups."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config

from core.access.identity import RULE_ROLES, add_rule, site_rules
from core.access.users import ROLE_LABELS
from core.models import IdentityRule
from core.platform.errors import ValidationError

FIELDS = ("attribute", "value", "kind", "target", "title")


@view_config(route_name="admin.identity", renderer="admin/identity_rules.html", permission="site-admin")
def identity_rules_page(request):
    errors, form = {}, {"attribute": "affiliation", "kind": "role"}
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in FIELDS}
        try:
            add_rule(request, **form)
            return HTTPFound(request.route_url("admin.identity", _query={"saved": 1}))
        except ValidationError as exc:
            errors = {k: request.localizer.translate(v) for k, v in exc.errors.items()}
            request.response.status = 400
    return {
        "rules": site_rules(request),
        "errors": errors,
        "form": form,
        "saved": "saved" in request.params,
        "rule_roles": RULE_ROLES,
        "role_labels": ROLE_LABELS,
    }


@view_config(route_name="admin.identity.delete", permission="site-admin", request_method="POST")
def delete_identity_rule(request):
    rule = request.dbsession.get(IdentityRule, int(request.matchdict["rule_id"]))
    if rule is None or rule.site_id != request.site.id:
        raise HTTPNotFound()
    request.dbsession.delete(rule)
    return HTTPFound(request.route_url("admin.identity", _query={"saved": 1}))
