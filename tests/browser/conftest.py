"""Browser tests: a real Amphi server, Debian's Chromium driven by Playwright, axe-core on every page.

The ``chromium`` and ``page`` fixtures and the audit helpers come from :mod:`core.testing`, shared with
the plugins' suites (Playwright's sync API allows one session per process).
"""
