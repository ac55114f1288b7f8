"""Helpers of the browser tests: axe-core audits, visits, signing in."""

import os

from core.testing import LIVE_ADMIN_PASSWORD as ADMIN_PASSWORD  # noqa: F401  (re-exported for the tests)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")


def audit(page) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page; fail on serious or critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def visit(page, url: str):
    response = page.goto(url)
    audit(page)
    return response


def sign_in(page, base: str, username: str, password: str) -> None:
    visit(page, base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    audit(page)
