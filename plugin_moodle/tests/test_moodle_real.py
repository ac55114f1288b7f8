"""Against a real Moodle (4.x), when one is given: the whole life of an Amphi video in a course.

1. Moodle's administrator registers Amphi with the one address Amphi's site administration makes (LTI
   Dynamic Registration, in Chromium on Moodle's tool page); Amphi then lists the platform, and the test
   activates the tool in Moodle (web service ``mod_lti_update_tool_type``).
2. Through Moodle's web services the test makes a course, a teacher, two students, and enrols them.
3. The teacher, in Chromium, adds an *External tool* activity with the Amphi tool and **Select content**:
   Amphi's chooser (Deep Linking) in Moodle's frame, the video ticked and graded, returned to Moodle, which
   fills the activity's form; the activity is saved (``core_course_get_contents`` then finds it).
4. A student, over plain HTTP (Moodle's session cookie only, none of Amphi's), opens the activity: Moodle's
   launch form to Amphi's login initiation, Moodle's authentication answer to Amphi's launch, and Amphi's
   embed page with its grant.
5. Amphi's worker reads the course's roster (Names and Roles): Amphi's group of the course, on its groups
   page, counts the teacher and both students — the one who never launched included.
6. The student's player reports the whole video played (through the grant); Amphi's worker posts the
   score, and Moodle's gradebook (``gradereport_user_get_grade_items``) shows 100 for the activity.

Set ``AMPHI_TEST_MOODLE_URL`` (Moodle's address, e.g. https://moodle.example.edu),
``AMPHI_TEST_MOODLE_ADMIN`` and ``AMPHI_TEST_MOODLE_PASSWORD`` (a Moodle administrator),
``AMPHI_TEST_MOODLE_TOKEN`` (a web service token of that administrator, REST protocol enabled, for a service
with the functions ``mod_lti_get_tool_types``, ``mod_lti_update_tool_type``, ``core_course_create_courses``,
``core_user_create_users``, ``enrol_manual_enrol_users``, ``core_course_get_contents`` and
``gradereport_user_get_grade_items``), and ``AMPHI_TEST_AMPHI_URL`` with ``AMPHI_TEST_AMPHI_ADMIN`` /
``AMPHI_TEST_AMPHI_PASSWORD`` (a running Amphi, with its worker, that Moodle's server can reach, with
plugin_moodle enabled, and one of its site admins), ``AMPHI_TEST_AMPHI_VIDEO`` (the id of a ready video of
that site, shorter than 3 hours) and ``AMPHI_TEST_AMPHI_OWNER_EMAIL`` (its owner's e-mail address: the Moodle teacher is made
with it, and the Amphi site must set ``amphi.moodle.link_by_email`` so that the teacher's launch is their
account and the chooser offers the video). Moodle cannot be installed from the package registries, so the
suite skips these tests without them; the same round trips run against the test platform in the other tests.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
import requests

from core.testing import CHROMIUM, CHROMIUM_ARGS, http_sign_in

NEEDED = (
    "AMPHI_TEST_MOODLE_URL",
    "AMPHI_TEST_MOODLE_ADMIN",
    "AMPHI_TEST_MOODLE_PASSWORD",
    "AMPHI_TEST_MOODLE_TOKEN",
    "AMPHI_TEST_AMPHI_URL",
    "AMPHI_TEST_AMPHI_ADMIN",
    "AMPHI_TEST_AMPHI_PASSWORD",
    "AMPHI_TEST_AMPHI_VIDEO",
    "AMPHI_TEST_AMPHI_OWNER_EMAIL",
)
MISSING = [name for name in NEEDED if not os.environ.get(name)]

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"no real Moodle to test against: set {', '.join(MISSING)} (see the module's docstring)"
)

#: Moodle's default roles.
EDITING_TEACHER, STUDENT = 3, 5
PASSWORD = "Amphi-test-" + secrets.token_hex(4) + "!"
WAIT_SECONDS = 120


def env(name: str) -> str:
    return os.environ[name].rstrip("/") if name.endswith("_URL") else os.environ[name]


def flatten(value, prefix: str = "") -> dict:
    """Moodle's REST parameters: ``courses[0][fullname]=...``."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return {prefix: value}
    out = {}
    for key, inner in items:
        out.update(flatten(inner, f"{prefix}[{key}]" if prefix else str(key)))
    return out


def moodle_ws(function: str, **params):
    """A call of Moodle's REST web service with the administrator's token; raises on Moodle's errors."""
    answer = requests.post(
        env("AMPHI_TEST_MOODLE_URL") + "/webservice/rest/server.php",
        data={"wstoken": env("AMPHI_TEST_MOODLE_TOKEN"), "wsfunction": function, "moodlewsrestformat": "json"}
        | flatten(params),
        timeout=30,
    )
    answer.raise_for_status()
    body = answer.json()
    if isinstance(body, dict) and body.get("exception"):
        raise AssertionError(f"{function}: {body.get('errorcode')}: {body.get('message')}")
    return body


def wait_for(check, what: str):
    """Poll ``check`` (short intervals) until it answers something true, for up to WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_SECONDS} s for {what}")
        time.sleep(1)


class Forms(HTMLParser):
    """The forms of a page: action, method and fields (hidden and others with a value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get"), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def moodle_session(username: str, password: str) -> requests.Session:
    """A browser-like session signed in to Moodle (its login token, then the form)."""
    session = requests.Session()
    moodle = env("AMPHI_TEST_MOODLE_URL")
    page = session.get(moodle + "/login/index.php", timeout=30).text
    token = re.search(r'name="logintoken" value="([^"]+)"', page).group(1)
    answer = session.post(
        moodle + "/login/index.php",
        {"username": username, "password": password, "logintoken": token},
        timeout=30,
    )
    assert "MoodleSession" in session.cookies.keys() and "/login/index.php" not in answer.url, "Moodle sign-in"
    return session


def follow_auto_posts(session: requests.Session, answer: requests.Response, until: str) -> requests.Response:
    """Post the pages' auto-submitted forms (Moodle's launch form, its authentication answer) until the
    address starts with ``until``; the redirects between them are followed."""
    for _hop in range(6):
        if answer.url.startswith(until):
            return answer
        forms = [f for f in page_forms(answer.text) if f["method"].lower() == "post" and f["action"].startswith("http")]
        assert forms, f"no form to post on {answer.url}"
        answer = session.post(forms[0]["action"], forms[0]["fields"], timeout=30)
        answer.raise_for_status()
    raise AssertionError(f"never reached {until}: last {answer.url}")


def amphi_registration_url(amphi: str, headers: dict) -> str:
    form = urllib.parse.urlencode({"csrf_token": headers["X-CSRF-Token"]}).encode()
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", headers["Cookie"])]
    page = opener.open(urllib.request.Request(amphi + "/admin/lti/registration-links", data=form)).read().decode()
    return re.search(r'id="lti-registration-url"[^>]*value="([^"]+)"', page).group(1).replace("&amp;", "&")


def amphi_page(headers: dict, path: str) -> str:
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", headers["Cookie"])]
    return opener.open(env("AMPHI_TEST_AMPHI_URL") + path, timeout=30).read().decode()


def browser_page(chromium, browser_holder: list):
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    browser_holder.append(browser)
    return browser.new_context(locale="en-GB").new_page()


def moodle_sign_in(page, username: str, password: str) -> None:
    page.goto(env("AMPHI_TEST_MOODLE_URL") + "/login/index.php")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#loginbtn")


@pytest.fixture(scope="module")
def amphi_admin() -> dict:
    return http_sign_in(env("AMPHI_TEST_AMPHI_URL"), env("AMPHI_TEST_AMPHI_ADMIN"), env("AMPHI_TEST_AMPHI_PASSWORD"))


@pytest.fixture(scope="module")
def tool_type(chromium, amphi_admin) -> dict:
    """Amphi registered in Moodle by dynamic registration, then activated; Moodle's tool type."""
    moodle, amphi = env("AMPHI_TEST_MOODLE_URL"), env("AMPHI_TEST_AMPHI_URL")
    keys = json.loads(urllib.request.urlopen(moodle + "/mod/lti/certs.php", timeout=20).read())
    assert keys["keys"], "Moodle publishes its platform keyset"
    before = {t["id"] for t in moodle_ws("mod_lti_get_tool_types", toolproxyid=0)}
    url = amphi_registration_url(amphi, amphi_admin)
    browsers: list = []
    try:
        page = browser_page(chromium, browsers)
        moodle_sign_in(page, env("AMPHI_TEST_MOODLE_ADMIN"), env("AMPHI_TEST_MOODLE_PASSWORD"))
        page.goto(moodle + "/mod/lti/toolconfigure.php")
        page.fill("input[name=url], #url", url)
        page.get_by_role("button", name=re.compile("Add LTI Advantage")).click()
        # Moodle opens Amphi's registration page in a frame, which tells it to close when registered.
        page.wait_for_selector("text=/Amphi|pending|Activate/i", timeout=60000)
    finally:
        for browser in browsers:
            browser.close()
    made = wait_for(
        lambda: [t for t in moodle_ws("mod_lti_get_tool_types", toolproxyid=0) if t["id"] not in before],
        "Moodle's new tool type",
    )
    tool = made[0]
    moodle_ws("mod_lti_update_tool_type", id=tool["id"], state=1)  # "configured": offered to teachers
    return tool


def test_a_moodle_administrator_registers_amphi_with_one_address(tool_type, amphi_admin):
    listing = amphi_page(amphi_admin, "/admin/lti")
    moodle = env("AMPHI_TEST_MOODLE_URL")
    assert moodle in listing and "by dynamic registration" in listing
    assert tool_type.get("clientid") and tool_type["clientid"] in listing


def test_a_course_adds_plays_rosters_and_grades_an_amphi_video(chromium, tool_type, amphi_admin):
    moodle, amphi, video = env("AMPHI_TEST_MOODLE_URL"), env("AMPHI_TEST_AMPHI_URL"), env("AMPHI_TEST_AMPHI_VIDEO")
    tag = secrets.token_hex(3)
    course = moodle_ws(
        "core_course_create_courses",
        courses=[{"fullname": f"Amphi test course {tag}", "shortname": f"amphi-{tag}", "categoryid": 1}],
    )[0]
    people = {
        "teacher": env("AMPHI_TEST_AMPHI_OWNER_EMAIL"),
        "student": f"amphi-student-{tag}@example.edu",
        "quiet": f"amphi-quiet-{tag}@example.edu",
    }
    users = moodle_ws(
        "core_user_create_users",
        users=[
            {
                "username": f"amphi-{who}-{tag}",
                "password": PASSWORD,
                "firstname": who.title(),
                "lastname": f"Amphi {tag}",
                "email": email,
            }
            for who, email in people.items()
        ],
    )
    ids = {u["username"].split("-")[1]: u["id"] for u in users}
    moodle_ws(
        "enrol_manual_enrol_users",
        enrolments=[
            {"roleid": EDITING_TEACHER if who == "teacher" else STUDENT, "userid": user_id, "courseid": course["id"]}
            for who, user_id in ids.items()
        ],
    )

    # The teacher adds the activity: Select content opens Amphi's chooser in Moodle's frame.
    browsers: list = []
    try:
        page = browser_page(chromium, browsers)
        moodle_sign_in(page, f"amphi-teacher-{tag}", PASSWORD)
        page.goto(
            f"{moodle}/course/modedit.php?add=lti&course={course['id']}&section=0&return=0&typeid={tool_type['id']}"
        )
        page.fill("#id_name", "Amphi video")
        page.click("#id_selectcontent")
        chooser = page.frame_locator("iframe[src*='contentitem.php']")
        chooser.locator(f"input[name=video][value='{video}']").check()
        chooser.locator("input[name=graded]").check()
        chooser.get_by_role("button", name="Add to the course").click()
        # Moodle closes its frame and fills the form with the returned item (custom parameter video=<id>).
        page.wait_for_function("document.querySelector('[name=instructorcustomparameters]')?.value.includes('video=')")
        assert f"video={video}" in page.input_value("[name=instructorcustomparameters]")
        page.click("#id_submitbutton2")  # Save and return to course
        page.wait_for_url(re.compile(r"/course/view\.php"))
    finally:
        for browser in browsers:
            browser.close()
    modules = [m for s in moodle_ws("core_course_get_contents", courseid=course["id"]) for m in s["modules"]]
    activity = next(m for m in modules if m["modname"] == "lti" and m["name"] == "Amphi video")

    # The student opens it, over HTTP: Moodle's forms to Amphi, Amphi's embed page with its grant.
    student = moodle_session(f"amphi-student-{tag}", PASSWORD)
    opened = student.get(f"{moodle}/mod/lti/launch.php?id={activity['id']}&triggerview=0", timeout=30)
    embed = follow_auto_posts(student, opened, f"{amphi}/videos/{video}/embed")
    grant = urllib.parse.parse_qs(urllib.parse.urlsplit(embed.url).query)["grant"][0]
    assert embed.status_code == 200 and f"/media/g/{grant}/" in embed.text
    assert not [c for c in student.cookies if amphi.split("://")[1].split("/")[0].split(":")[0] in c.domain]

    # The roster: the course's group on Amphi counts the teacher and both students.
    group_row = re.compile(
        r'href="[^"]*/admin/groups/(\d+)">Amphi test course '
        + tag
        + r"[^<]*</a></th>\s*<td><code>[^<]*</code></td>\s*<td>(\d+)</td>"
    )
    wait_for(
        lambda: any(int(n) == 3 for _g, n in group_row.findall(amphi_page(amphi_admin, "/admin/groups"))),
        "the course's roster in Amphi's group",
    )

    # The student watches it all; the score reaches Moodle's gradebook.
    # Amphi counts at most 5 minutes (and at most the video's length) per report: 40 reports play 3 hours.
    position = f"{amphi}/api/videos/{video}/position"
    for _report in range(40):
        answer = requests.post(position, params={"grant": grant}, json={"position": 0, "watched": 300}, timeout=30)
        assert answer.status_code == 200, answer.text

    def graded():
        report = moodle_ws("gradereport_user_get_grade_items", courseid=course["id"], userid=ids["student"])
        items = [i for g in report["usergrades"] for i in g["gradeitems"] if i.get("itemmodule") == "lti"]
        return items and items[0].get("graderaw") is not None and float(items[0]["graderaw"]) >= 99.0

    wait_for(graded, "the score in Moodle's gradebook")
