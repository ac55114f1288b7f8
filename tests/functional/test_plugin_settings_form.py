"""Every declared plugin setting keeps its type and survives its admin form unchanged (issue 13, items 17-18)."""

import pytest

from core.pipeline.jobs import JobContext
from core.platform.sites import plugin_settings, set_plugin_overrides

PYTHON_TYPES = {"str": str, "text": str, "int": int, "float": float, "bool": bool, "choice": str, "list": list}
#: Values for settings whose plugin checks their content (a test fails until a new such setting has one).
VALID_SAMPLES = {
    (
        "auth_oidc",
        "providers",
    ): '\n[campus]\ntitle = Campus & "co"\nissuer = https://id.example.org\nclient_id = amphi\n',
    ("auth_oidc", "client_secrets"): "campus=s3cret",
}


@pytest.fixture
def admin_browser(testapp, site, make_user):
    make_user(site, "boss", role="site-admin", password="boss password 1")
    testapp.sign_in("boss", "boss password 1")
    return testapp


def declared_plugins(app):
    """(name, PluginSettings) of every installed plugin that declares settings: core plugins and plugin_*."""
    infos = app.registry.plugins.infos.values()
    return sorted((i.name, i.settings) for i in infos if i.loaded and i.settings and i.settings.declared)


def other_value(plugin, setting):
    """A value of the setting's type that differs from its default, with what a form could mangle."""
    if (plugin, setting.key) in VALID_SAMPLES:
        return VALID_SAMPLES[plugin, setting.key]
    if setting.type == "bool":
        return not setting.default
    if setting.type in ("int", "float"):
        return setting.default + 7
    if setting.type == "choice":
        return next((c for c in reversed(setting.choices) if c != setting.default), setting.default)
    if setting.type == "list":
        return ["360p", "first.example.org", "2001:db8::1"]
    if setting.type == "text":
        return '\nA first line & a "quote"\n  an indented second line'
    return 'a value with spaces, <markup> & "quotes"'


def test_the_plugins_declaring_settings_include_every_kind_of_distribution(app):
    names = {name for name, _ in declared_plugins(app)}
    assert {"encoder_ffmpeg", "auth_ldap", "transcriber_vosk", "recorder", "opencast_studio", "hello"} <= names
    kinds = {s.type for _, declared in declared_plugins(app) for s in declared.declared.values()}
    assert kinds == set(PYTHON_TYPES)


def test_every_declared_default_is_read_back_with_its_type(app):
    wrong = []
    for name, declared in declared_plugins(app):
        effective = declared.effective({}, None)
        for key, setting in declared.declared.items():
            value = effective[key]
            if not isinstance(value, PYTHON_TYPES[setting.type]) or (setting.type == "int" and isinstance(value, bool)):
                wrong.append(f"{name}.{key} ({setting.type}): {value!r}")
    assert wrong == []


def test_the_encoder_defaults_are_lists_of_renditions(app, site):
    settings = plugin_settings(app.registry, site, "encoder_ffmpeg")
    assert settings["rungs"] == ["360p", "480p", "720p", "1080p"]
    assert settings["download_rungs"] == ["360p", "720p"]


def submit_unchanged(admin_browser, plugin):
    page = admin_browser.get(f"/admin/site/plugins/{plugin}")
    page.forms["plugin-settings-form"].submit(status=302).follow()


@pytest.mark.parametrize("values", ["defaults", "others"])
def test_every_setting_of_every_plugin_round_trips_through_its_admin_form(admin_browser, app, site, values):
    changed = []
    for name, declared in declared_plugins(app):
        if values == "others":
            editable = [s for s in declared.declared.values() if s.site_editable]
            set_plugin_overrides(app.registry, site, name, {s.key: other_value(name, s) for s in editable})
        before = plugin_settings(app.registry, site, name)
        submit_unchanged(admin_browser, name)
        after = plugin_settings(app.registry, site, name)
        changed += [f"{name}.{key}: {before[key]!r} -> {after[key]!r}" for key in before if after[key] != before[key]]
    assert changed == []


def test_saving_the_encoder_page_keeps_its_renditions(admin_browser, app, site, make_request):
    from core.pipeline.media import MediaInfo

    page = admin_browser.get("/admin/site/plugins/encoder_ffmpeg")
    form = page.forms["plugin-settings-form"]
    assert (form["rungs"].value, form["download_rungs"].value) == ("360p 480p 720p 1080p", "360p 720p")
    form["audio_bitrate"] = "96"
    form.submit(status=302).follow()
    settings = plugin_settings(app.registry, site, "encoder_ffmpeg")
    assert (settings["rungs"], settings["download_rungs"], settings["audio_bitrate"]) == (
        ["360p", "480p", "720p", "1080p"],
        ["360p", "720p"],
        96,
    )
    request = make_request(site)
    full_hd = MediaInfo(container="mov", duration=60, has_video=True, has_audio=True, width=1920, height=1080, fps=25)
    ladder = request.hooks.amphi_encoding_ladder(job=JobContext.of(request), info=full_hd)
    assert [rung.name for rung in ladder] == ["360p", "480p", "720p", "1080p"]


def test_a_refused_list_is_shown_back_as_typed(admin_browser):
    form = admin_browser.get("/admin/site/plugins/encoder_ffmpeg").forms["plugin-settings-form"]
    form["rungs"], form["crf"] = "360p 720p", "many"
    refused = form.submit(status=200)
    assert refused.forms["plugin-settings-form"]["rungs"].value == "360p 720p"
