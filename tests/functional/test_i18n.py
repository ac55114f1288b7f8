"""French and English: catalogues complete, language chosen by preference or browser."""

import os
import re
from html.parser import HTMLParser

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.access.users import ROLE_LABELS, ROLES
from core.catalogue.metadata import ACCESS_LABELS, JOB_STATE_LABELS, STATUS_LABELS
from core.models import ACCESS_LEVELS, JOB_STATES, VIDEO_STATUSES, Channel, Group, IdentityRule, Job
from core.platform.errors import ValidationError
from core.platform.i18n import LOCALE_DIR, plural
from core.platform.plugins import PLUGIN_STATUS_LABELS
from core.web.player import DOWNLOAD_KINDS

ROOT = os.path.dirname(os.path.dirname(LOCALE_DIR))
CATALOG = f"{LOCALE_DIR}/fr/LC_MESSAGES/amphi"


def extracted(tmp_path) -> list:
    """Every message of the code and templates, as scripts/i18n.sh extracts them."""
    pot = tmp_path / "amphi.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            os.path.join(ROOT, "babel.cfg"),
            "-k",
            "translate",
            "-k",
            "_",
            "-k",
            "plural:1,2",
            "--no-location",
            "-o",
            str(pot),
            ROOT,
        ]
    )
    with open(pot, "rb") as handle:
        return [m for m in read_po(handle) if m.id]


def french_catalogue() -> dict:
    with open(CATALOG + ".po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


def translated(string) -> bool:
    """A translation, with every plural form filled in."""
    return all(string) if isinstance(string, tuple) else bool(string)


def test_every_message_of_the_code_has_a_french_translation(tmp_path):
    french = french_catalogue()
    missing = sorted(str(m.id) for m in extracted(tmp_path) if not translated(french.get(m.id)))
    assert missing == [], "run scripts/i18n.sh and translate these"


#: Numbers that are a rank ("Page 3", "Cue 4", "position 2 of 5") or a quantity with its unit ("12 h"), not a
#: count of things: no plural there.
RANKS = {
    "From ${start} to ${end}: ${total} in all.",
    "Page %(n)s",
    "Candidate %(n)s",
    "Block %(n)s",
    "Cue %(n)s",
    "Video %(position)s of %(count)s",
    "Moved to position ${position} of ${count}.",
    "“${title}” moved to position ${position} of ${count}.",
}
COUNT = re.compile(r"%\((n|num|count|days|total)\)s|\$\{(n|num|count|days|total)\}")


def test_every_count_is_shown_through_ngettext(tmp_path):
    """A message that holds a count is a plural message (ngettext in templates, request.ngettext or
    core.platform.i18n.plural in Python), so that French and English say "1 video", "2 videos"."""
    singular_only = sorted(
        m.id for m in extracted(tmp_path) if isinstance(m.id, str) and COUNT.search(m.id) and m.id not in RANKS
    )
    assert singular_only == []


def test_the_plurals_follow_the_language(make_request, site):
    request = make_request(site)
    request.environ["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert [request.ngettext("%(num)s video found.", "%(num)s videos found.", n) % {"num": n} for n in (0, 1, 2)] == [
        "0 vidéo trouvée.",
        "1 vidéo trouvée.",
        "2 vidéos trouvées.",
    ]
    too_many = plural("At most ${n} tag.", "At most ${n} tags.", 30, n=30)
    assert request.localizer.translate(too_many) == "Au plus 30 mots-clés."
    assert ValidationError({"tags": too_many}).message == "tags: At most 30 tags."


def test_reasons_stored_in_english_are_shown_in_the_readers_language(make_request, site):
    request = make_request(site)
    request.environ["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert request.translate("Cancelled by the owner.") == "Annulé par son propriétaire."  # a job's or video's reason
    assert request.translate("None of the recorded tracks holds a picture.").startswith("Aucune des pistes")
    assert request.translate("") == ""  # no reason: not the catalogue's header


# --- template text and values from code go through the translator ----------------------------------

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
#: Literal words a template may hold as they are: units and abbreviations French writes the same way.
LITERAL_WORDS = {"min", "s", "UTC"}


class TemplateText(HTMLParser):
    """Words written in a template's HTML itself, outside {{ }} and {% %}: they would never be translated."""

    def __init__(self):
        super().__init__()
        self.hidden, self.words = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "code", "textarea")
        self.words += [
            w
            for name, value in attrs
            if name in VisibleText.LABELS and value
            for w in re.findall(r"[A-Za-zÀ-ÿ]{2,}", value)
        ]

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "code", "textarea")

    def handle_data(self, data):
        if not self.hidden:  # a macro may write attributes (name="value") outside any tag: not text
            self.words += re.findall(r"[A-Za-zÀ-ÿ]{2,}", re.sub(r'[\w-]+="[^"]*"', " ", data))


def test_no_template_writes_words_outside_the_translator():
    templates = [
        os.path.join(folder, name)
        for pattern in ("core/templates", "plugins")
        for folder, _d, names in os.walk(os.path.join(ROOT, pattern))
        for name in names
        if name.endswith(".html")
    ]
    found = {}
    for path in templates:
        parser = TemplateText()
        parser.feed(JINJA.sub(" ", open(path, encoding="utf-8").read()))
        words = [w for w in parser.words if w not in LITERAL_WORDS]
        if words:
            found[os.path.relpath(path, ROOT)] = words
    assert found == {}


def test_values_shown_from_code_have_french_labels():
    """Statuses, job states, access levels, roles, plugin states and download kinds are stored as English
    words; each has a label in the catalogue, and the pages show the label."""
    french = french_catalogue()
    for labels, values in (
        (STATUS_LABELS, VIDEO_STATUSES),
        (JOB_STATE_LABELS, JOB_STATES),
        (ACCESS_LABELS, ACCESS_LEVELS),
        (ROLE_LABELS, ROLES),
        (PLUGIN_STATUS_LABELS, ("loaded", "failed", "incompatible", "blocked")),
    ):
        assert set(labels) == set(values)
        assert all(french.get(str(label)) for label in labels.values()), labels
    assert all(french.get(str(label)) for label in DOWNLOAD_KINDS.values())


def test_the_compiled_catalogue_matches_the_source():
    def plain(value):  # a plural message's id and forms are lists in one reader, tuples in the other
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with open(CATALOG + ".po", "rb") as handle:
        source = {plain(m.id): plain(m.string) for m in read_po(handle) if m.id and m.string}
    with open(CATALOG + ".mo", "rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "run scripts/i18n.sh to compile the catalogue"


def test_the_browser_language_is_followed(testapp):
    page = testapp.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in page.text
    assert "Vidéos récentes" in page.text and "Aller au contenu" in page.text
    page = testapp.get("/", headers={"Accept-Language": "de, en;q=0.5"})
    assert '<html lang="en">' in page.text and "Recent videos" in page.text


def test_the_language_switch_wins_over_the_browser(testapp):
    # An anonymous page carries no CSRF token (it would start a session and could not be cached):
    # the switch only refuses requests from another site.
    assert 'name="csrf_token"' not in testapp.get("/").text and "amphi_session" not in testapp.cookies
    testapp.post("/language", {"locale": "fr", "next": "/login"}, headers={"Sec-Fetch-Site": "cross-site"}, status=400)
    testapp.post("/language", {"locale": "fr", "next": "/login"}, headers={"Sec-Fetch-Site": "same-origin"}, status=302)
    page = testapp.get("/login", headers={"Accept-Language": "en"})
    assert "Compte local" in page.text and "Identifiant" in page.text


def test_the_anonymous_language_switch_checks_the_origin_on_https(testapp, site):
    https = {"wsgi.url_scheme": "https"}
    testapp.post(
        "/language", {"locale": "fr"}, extra_environ=https, headers={"Origin": "https://evil.example"}, status=400
    )
    testapp.post(
        "/language",
        {"locale": "fr"},
        extra_environ=https,
        headers={"Origin": f"https://{site.domains[0].domain}"},
        status=302,
    )


def test_a_signed_in_users_preference_is_remembered(testapp, site, make_user):
    user = make_user(site, "lea", password="mot de passe solide")
    testapp.sign_in("lea", "mot de passe solide")
    token = testapp.csrf_token("/")
    testapp.post("/language", {"locale": "fr", "csrf_token": token})
    assert user.locale == "fr"


def test_messages_from_python_are_translated(testapp, site, make_user):
    make_user(site, "lea", password="mot de passe solide")
    token = testapp.csrf_token()
    page = testapp.post(
        "/auth/local/login",
        {"username": "lea", "password": "faux", "csrf_token": token},
        headers={"Accept-Language": "fr"},
        status=401,
    )
    assert "Identifiant ou mot de passe incorrect." in page.text
    assert "Cette page n&#39;existe pas." in testapp.get("/nowhere", headers={"Accept-Language": "fr"}, status=404).text


def test_the_chosen_language_survives_sign_in_and_sign_out(testapp, site, make_user):
    make_user(site, "lea", password="mot de passe solide")
    testapp.post("/language", {"locale": "fr"})
    testapp.sign_in("lea", "mot de passe solide")
    assert '<html lang="fr">' in testapp.get("/").text
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    assert '<html lang="fr">' in testapp.get("/", headers={"Accept-Language": "en"}).text


# --- nothing English on a French page -------------------------------------------------------------

#: Text read the same way in both languages (units, codes, names), never reported.
SAME_IN_BOTH = {"min", "s", "utc", "ok"}


def catalogue_pairs() -> dict[str, str]:
    """English text -> its French translation, for every plain message that French says otherwise."""
    with open(CATALOG + ".po", "rb") as handle:
        french = {m.id: m.string for m in read_po(handle) if m.id}
    return {
        " ".join(english.split()).casefold(): translated
        for english, translated in french.items()
        if isinstance(english, str)
        and translated
        and translated != english
        and "%(" not in english
        and "${" not in english
    }


class VisibleText(HTMLParser):
    """The text a reader meets: text nodes (not scripts) and the labels in attributes."""

    LABELS = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.hidden, self.texts = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "code")
        self.texts += [value for name, value in attrs if name in self.LABELS and value]

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "code")

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data)


def english_left(html: str, pairs: dict[str, str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for piece in [text, *text.split(":")]:  # "failed: <reason>" is two texts
            words = " ".join(piece.split()).casefold()
            if words in pairs and words not in SAME_IN_BOTH:
                found.add(words)
    return found


@pytest.fixture
def french_world(site, make_user, make_video, dbsession, publish):
    """A site with something of everything: videos in each state, a channel, groups, rules."""
    admin = make_user(site, "root", role="superuser", password="mot de passe solide")
    owner = make_user(site, "prof", role="staff", password="mot de passe solide")
    course = next(t for t in site_video_types_of(dbsession, site) if t.slug == "course")
    channel = Channel(site_id=site.id, slug="sciences", title="Sciences", open_to_all=True)
    group = Group(site_id=site.id, name="l3", title="Licence 3", source="rules")
    dbsession.add_all(
        [channel, group, IdentityRule(site_id=site.id, attribute="groups", value="l3*", kind="group", target="l3")]
    )
    dbsession.flush()
    ready = publish(
        site,
        owner,
        "Analyse réelle",
        type=course,
        language="fr",
        license="cc-by",
        channels=[channel],
        description="Cours d'analyse",
    )
    make_video(site, owner, "Téléversée", status="uploaded")
    running = make_video(site, owner, "En cours", status="processing")
    running.jobs.append(Job(kind="encode", state="running", progress=40.0))
    make_video(site, owner, "Ratée", status="failed", status_reason="This is not a video or audio file.")
    dbsession.flush()
    return {"admin": admin, "owner": owner, "video": ready, "group": group}


def site_video_types_of(dbsession, site):
    from core.catalogue.metadata import site_video_types

    return site_video_types(dbsession, site.id)


def french_pages(world) -> list[str]:
    video, group = world["video"], world["group"]
    return [
        "/",
        "/videos",
        "/channels",
        "/channels/sciences",
        f"/videos/{video.id}",
        f"/videos/{video.id}/edit",
        "/search?q=analyse",
        "/my/videos",
        "/upload",
        "/account/tokens",
        "/admin/site",
        "/admin/users",
        f"/admin/users/{world['owner'].id}",
        "/admin/groups",
        f"/admin/groups/{group.id}",
        "/admin/identity-rules",
        "/admin/site/catalogue",
        "/admin/channels",
        "/admin/sites",
        "/stats",
        f"/videos/{video.id}/stats",
    ]


def test_french_pages_show_no_english_words(french_world, make_testapp):
    """Every page, read by a site's superuser and by an owner: what the catalogue says in French never
    shows in English (template strings, and values from code: statuses, facets, labels)."""
    pairs, left = catalogue_pairs(), {}
    owner_pages = ["/my/videos", "/my/videos?status=failed", f"/videos/{french_world['video'].id}"]
    for username, pages in (("root", french_pages(french_world)), ("prof", owner_pages)):
        browser = make_testapp("a.test")
        browser.sign_in(username, "mot de passe solide")
        browser.post("/language", {"locale": "fr", "csrf_token": browser.csrf_token("/"), "next": "/"})
        for url in pages:
            found = english_left(browser.get(url).text, pairs)
            if found:
                left[f"{username} {url}"] = sorted(found)
    assert left == {}, "translate these where they are shown"
