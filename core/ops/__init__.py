"""Operations: what an institution's operations team watches and runs.

Health (``/healthz``) and readiness (``/readyz``) endpoints (:mod:`~core.ops.health`), Prometheus
metrics at ``/metrics`` (:mod:`~core.ops.metrics`), a request id on every log line and in the jobs a
request queues, with JSON logs as an option (:mod:`~core.ops.logs`), ``amphi doctor``
(:mod:`~core.ops.doctor`) and a site's export and import (:mod:`~core.ops.siteexport`). Plugins add
readiness checks, doctor checks and metrics through hooks; the core never names them.
"""


def includeme(config):
    config.include("core.ops.logs")
    config.include("core.ops.metrics")
    config.include("core.ops.health")
