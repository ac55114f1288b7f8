"""Declare Amphi's test sites to the CAS server (run once after migrate): ``setup_services.py SLO_URL``."""

import sys

import django

django.setup()

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402

pattern = ServicePattern.objects.create(
    pos=1,
    name="amphi tests",
    pattern=r"^http://[a-z0-9.-]+\.test/auth/cas/callback(\?.*)?$",
    single_log_out=True,
    single_log_out_callback=sys.argv[1] if len(sys.argv) > 1 else "",
)
for name in ("displayName", "mail", "eduPersonPrimaryAffiliation", "memberOf"):
    ReplaceAttributName.objects.create(service_pattern=pattern, name=name, replace="")
