"""What a sign-in says of a user, made useful: profile fields, and the site's rules for roles and groups.

Every sign-in method (CAS, Shibboleth, OpenID Connect, LDAP, local passwords...) hands
:func:`core.access.security.sign_in` the attributes its identity provider gave, already translated
to Amphi's names (each plugin has its own mapping settings, since CAS, SAML and OIDC name
things differently):

``username``, ``display_name``, ``email``, ``affiliation`` (e.g. ``faculty``, ``student``),
``groups`` (e.g. ``cn=l3-info,ou=groups,dc=univ,dc=fr``) — each a list of strings — and any
other attribute the site's rules may test.

Plugins may add attributes through ``amphi_user_attributes`` (a directory looked up after
any sign-in); then the profile is refreshed and the site's :class:`IdentityRule` rows grant
roles and groups. Rules only raise a role (a site admin's manual promotion stands); groups
granted by rules (``source = "rules"``) follow the attributes at every sign-in, while local
groups are left alone.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

from sqlalchemy import select

from core.access.users import ROLES, USERNAME, find_user, set_role
from core.models import IDENTITY_RULE_KINDS, Group, IdentityRule, User
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.platform.plugins import collect
from core.platform.ui import contributions

RULE_GROUP_SOURCE = "rules"
#: Roles a rule may grant: never superuser, which only a superuser gives by hand.
RULE_ROLES = ("user", "staff", "site-admin")
PROFILE_FIELDS = {"display_name": 200, "email": 254}


def normalise_attributes(attributes: Mapping | None) -> dict[str, list[str]]:
    """``{name: [values]}`` with lower-case names, string values, no empties, no duplicates."""
    result: dict[str, list[str]] = {}
    for name, values in (attributes or {}).items():
        if values is None:
            continue
        if isinstance(values, (str, bytes, int)) or not isinstance(values, Iterable):
            values = [values]
        clean = []
        for value in values:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            if text.strip() and text.strip() not in clean:
                clean.append(text.strip())
        if clean:
            result.setdefault(str(name).strip().lower(), []).extend(v for v in clean if v not in result.get(name, []))
    return result


def parse_attribute_map(text: str) -> dict[str, list[str]]:
    """A sign-in plugin's mapping setting: ``"email = mail HTTP-mail"`` lines as
    ``{"email": ["mail", "HTTP-mail"]}`` (Amphi's name = the provider's names, first found wins);
    blank lines and ``#`` comments are ignored."""
    mapping: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        amphi_name, sources = (part.strip() for part in line.split("=", 1))
        if amphi_name and sources:
            mapping[amphi_name.lower()] = sources.replace(",", " ").split()
    return mapping


def merge_attributes(base: dict[str, list[str]], extra: Mapping | None) -> dict[str, list[str]]:
    merged = {name: list(values) for name, values in base.items()}
    for name, values in normalise_attributes(extra).items():
        merged.setdefault(name, [])
        merged[name].extend(v for v in values if v not in merged[name])
    return merged


def complete_attributes(request, user: User, attributes: Mapping | None) -> dict[str, list[str]]:
    """The sign-in's attributes plus what plugins add (``amphi_user_attributes``)."""
    result = normalise_attributes(attributes)
    for extra in collect(request, "amphi_user_attributes", expect=Mapping, user=user, attributes=result):
        result = merge_attributes(result, extra)
    return result


def apply_profile(user: User, attributes: Mapping[str, list[str]]) -> None:
    """Refresh the name, email and primary affiliation from the attributes that carry them."""
    for field, size in PROFILE_FIELDS.items():
        if attributes.get(field):
            setattr(user, field, attributes[field][0][:size])
    if attributes.get("affiliation"):
        user.affiliation = attributes["affiliation"][0][:64]


def site_rules(request) -> list[IdentityRule]:
    return list(
        request.dbsession.scalars(
            select(IdentityRule).where(IdentityRule.site_id == request.site.id).order_by(IdentityRule.id)
        )
    )


def rule_matches(rule: IdentityRule, attributes: Mapping[str, list[str]]) -> bool:
    pattern = rule.value.lower()
    return any(fnmatch.fnmatchcase(value.lower(), pattern) for value in attributes.get(rule.attribute.lower(), []))


def apply_rules(request, user: User, attributes: Mapping[str, list[str]]) -> None:
    """Grant the roles and groups the site's rules give for these attributes."""
    matched = [rule for rule in site_rules(request) if rule_matches(rule, attributes)]
    granted = [rule.target for rule in matched if rule.kind == "role" and rule.target in RULE_ROLES]
    if granted:
        best = max(granted, key=ROLES.index)
        if ROLES.index(best) > ROLES.index(user.role):
            set_role(user, best)
    wanted = {rule.target: rule.title for rule in matched if rule.kind == "group"}
    kept = [g for g in user.groups if g.source != RULE_GROUP_SOURCE or g.name in wanted]
    present = {g.name for g in kept}
    for name, title in wanted.items():
        if name not in present:
            kept.append(rule_group(request, name, title))
    user.groups = kept


def rule_group(request, name: str, title: str) -> Group:
    """The site's group ``name``, created (managed by rules) when it does not exist yet."""
    group = request.dbsession.scalar(select(Group).where(Group.site_id == request.site.id, Group.name == name))
    if group is None:
        group = Group(site_id=request.site.id, name=name, title=title or name, source=RULE_GROUP_SOURCE)
        request.dbsession.add(group)
    return group


def process_sign_in(request, user: User, attributes: Mapping | None) -> dict[str, list[str]]:
    """Attributes completed by plugins, profile refreshed, rules applied; returns the attributes."""
    complete = complete_attributes(request, user, attributes)
    apply_profile(user, complete)
    apply_rules(request, user, complete)
    return complete


def add_rule(request, attribute: str, value: str, kind: str, target: str, title: str = "") -> IdentityRule:
    """Validate and store a rule of the request's site."""
    attribute, value, target, title = (s.strip() for s in (attribute, value, target, title))
    errors = {}
    if not attribute or len(attribute) > 64 or not all(c.isalnum() or c in "_-.:" for c in attribute):
        errors["attribute"] = _("A name such as affiliation or groups (letters, digits, _ - . :).")
    if not value or len(value) > 255:
        errors["value"] = _("A value of 1 to 255 characters; * matches anything.")
    if kind not in IDENTITY_RULE_KINDS:
        errors["kind"] = _("Choose a role or a group.")
    elif kind == "role" and target not in RULE_ROLES:
        errors["target"] = _("One of: user, staff, site-admin.")
    elif kind == "group" and not USERNAME.match(target):
        errors["target"] = _("A group name of letters, digits and . @ + - _ (at most 150).")
    if len(title) > 200:
        errors["title"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    rule = IdentityRule(
        site_id=request.site.id, attribute=attribute.lower(), value=value, kind=kind, target=target, title=title
    )
    request.dbsession.add(rule)
    request.dbsession.flush()
    return rule


def provision_user(request, username: str, *, create: bool, method: str) -> User:
    """The site's user ``username`` for an external sign-in, created if ``create`` allows.

    Raises :class:`ValidationError` when the account does not exist and may not be
    created, or when the provider's username is not one Amphi can store.
    """
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise ValidationError({"username": _("The identity provider sent no usable username.")})
    user = find_user(request.dbsession, request.site.id, username)
    if user is not None:
        return user
    if not create:
        raise ValidationError({"username": _("You have no account on this site yet; ask its administrators.")})
    user = User(site_id=request.site.id, username=username)
    set_role(user, "user")
    request.dbsession.add(user)
    request.dbsession.flush()
    return user


def login_methods(request) -> list:
    """The sign-in methods the site's plugins offer, in their order (a plugin's page shows them too)."""
    methods = contributions(request, "amphi_login_methods")
    return sorted(methods, key=lambda m: (m.order, m.title))
