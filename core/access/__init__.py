"""Access: who someone is and what they may do.

It owns identity and sessions (``security``, ``sessions``, ``identity``), personal access tokens, users and
groups, rate limits and counted sign-in attempts. It stands on the platform only.
"""

from core.access import ratelimit, sessions  # noqa: F401  (their periodic purges join the task queue)


def includeme(config):
    config.include("core.access.security")
