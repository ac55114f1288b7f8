"""What plugins give the operations hooks: a named check (readiness, ``amphi doctor``) and a gauge reading
(``/metrics``); and the calls of those application-level hooks. Nothing here imports prometheus_client
(:mod:`core.ops.metrics` must be imported only once its multiprocess folder is chosen)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a check found: ``problem`` is None when it passed; ``detail`` says what was seen when it did."""

    name: str
    problem: str | None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Check:
    """One check: ``run()`` returns None when all is well, else a sentence saying what is wrong (the
    core's own checks may return an :class:`Outcome`, which also says what was seen when all is well).

    An exception raised by ``run`` counts as a failure, its message the reason.
    """

    name: str
    run: Callable[[], str | Outcome | None]


def run_check(check: Check) -> Outcome:
    try:
        problem = check.run()
    except Exception as exc:  # noqa: BLE001 — a check that raises has found its problem
        problem = f"{type(exc).__name__}: {exc}"
    if isinstance(problem, Outcome):
        return problem
    return Outcome(check.name, str(problem) if problem else None)


def plugin_checks(registry, hook: str) -> list[Check]:
    """The checks every loaded plugin gives through the application-level ``hook``, named
    ``<plugin>: <name>``; a plugin whose hook raises is a failing check of its own."""
    checks: list[Check] = []
    for impl in getattr(registry.plugins.pm.hook, hook).get_hookimpls():
        try:
            answers = list(impl.function(registry=registry) or ())
        except Exception as exc:  # noqa: BLE001 — reported as a failing check, never a crash
            log.exception("plugin %s failed in %s", impl.plugin_name, hook)
            message = f"{hook} failed: {type(exc).__name__}: {exc}"
            checks.append(Check(impl.plugin_name, partial(str, message)))
            continue
        for answer in answers:
            if isinstance(answer, Check):
                checks.append(Check(f"{impl.plugin_name}: {answer.name}", answer.run))
            else:
                log.error("plugin %s: %s must return Check objects, not %r", impl.plugin_name, hook, answer)
    return checks


@dataclass(frozen=True)
class GaugeReading:
    """One value a plugin reports when metrics are scraped (``amphi_metrics``).

    Readings of the same ``name`` form one gauge; they must all have the same label names.
    """

    name: str
    help: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
