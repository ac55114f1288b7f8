"""Plugin discovery through real entry points, including broken and incompatible plugins."""

import importlib
import sys
import textwrap

import pytest
from pyramid.interfaces import IRoutesMapper

import core
from core import hookimpl
from core.platform.errors import PluginError
from core.platform.plugins import PluginHost, PluginInfo, make_plugin_host, make_plugin_manager

PLUGINS = {
    "fakeplug_ok": """
        from core import hookimpl
        from core.platform.ui import NavItem
        AMPHI_HOOKS = ">=1.0,<3"

        @hookimpl
        def amphi_nav_items(request):
            return [NavItem("ok", "/ok")]
    """,
    "fakeplug_broken": """
        import a_module_that_does_not_exist
    """,
    "fakeplug_old": """
        from core import hookimpl
        AMPHI_HOOKS = ">=0.1,<1"

        @hookimpl
        def amphi_nav_items(request):
            return []
    """,
    "fakeplug_typo": """
        from core import hookimpl

        @hookimpl
        def amphi_nav_itemz(request):
            return []
    """,
    # Implements a hook that a plugin loaded after it defines (names are loaded in order).
    "fakeplug_client": """
        from core import hookimpl
        AMPHI_REQUIRES = ("zprotocol",)

        @hookimpl
        def amphi_fake_asked(request):
            return "client"
    """,
    "fakeplug_zprotocol": """
        import sys

        import pluggy

        hookspec = pluggy.HookspecMarker("amphi")
        AMPHI_HOOKSPECS = sys.modules[__name__]  # its hooks are declared here

        @hookspec
        def amphi_fake_asked(request):
            \"\"\"Asked by the protocol.\"\"\"
    """,
    "fakeplug_needy": """
        from core import hookimpl
        AMPHI_REQUIRES = ("absent",)

        @hookimpl
        def amphi_nav_items(request):
            return []
    """,
}


@pytest.fixture
def fake_distribution(tmp_path, monkeypatch):
    """A distribution on sys.path declaring four plugins in the amphi.plugins group."""
    for name, source in PLUGINS.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(textwrap.dedent(source))
    dist = tmp_path / "fake_amphi_plugins-1.2.3.dist-info"
    dist.mkdir()
    dist.joinpath("METADATA").write_text("Metadata-Version: 2.1\nName: fake-amphi-plugins\nVersion: 1.2.3\n")
    dist.joinpath("entry_points.txt").write_text(
        "[amphi.plugins]\n" + "".join(f"{n.removeprefix('fakeplug_')} = {n}\n" for n in PLUGINS)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    for name in PLUGINS:
        sys.modules.pop(name, None)


def test_discovery_loads_good_plugins_and_reports_the_others(fake_distribution, caplog):
    host = make_plugin_host({})
    ok, broken, old, typo = (host.infos[n] for n in ("ok", "broken", "old", "typo"))
    assert ok.status == "loaded" and ok.version == "1.2.3" and ok.distribution == "fake-amphi-plugins"
    assert ok.hooks(host.pm) == ["amphi_nav_items"]
    assert broken.status == "failed"
    assert "No module named 'a_module_that_does_not_exist'" in broken.error
    assert old.status == "incompatible"
    assert f"supports hook contract >=0.1,<1, this Amphi provides {core.HOOKS_VERSION}" in old.error
    assert typo.status == "incompatible" and "amphi_nav_itemz" in typo.error
    assert host.pm.get_plugin("old") is None and host.pm.get_plugin("typo") is None
    # The built-in plugins still load, and the failures are logged with the plugin's name.
    assert host.infos["auth_local"].loaded
    assert "plugin 'broken' (fakeplug_broken) was not loaded" in caplog.text


def test_a_plugin_adds_hooks_that_another_implements_and_requirements_are_checked(fake_distribution, caplog):
    host = make_plugin_host({})
    assert host.infos["client"].loaded and host.infos["client"].requires == ("zprotocol",)
    assert host.pm.hook.amphi_fake_asked(request=None) == ["client"]
    assert "amphi_fake_asked" not in dir(make_plugin_manager().hook)  # the core's contract has no such hook
    needy = host.infos["needy"]
    assert needy.status == "incompatible" and needy.error == "plugin 'needy' requires absent, which is not loaded"
    assert host.unmet_requirements(["client", "ok"]) == {"client": ["zprotocol"]}
    assert host.unmet_requirements(["client", "zprotocol"]) == {}


def test_a_plugin_whose_requirement_is_blocked_is_left_out(fake_distribution):
    host = make_plugin_host({"amphi.plugins.blocked": "zprotocol"})
    assert host.infos["client"].status == "incompatible"
    assert "requires zprotocol, which is not loaded" in host.infos["client"].error
    assert host.pm.get_plugin("client") is None
    with pytest.raises(PluginError, match="plugin 'client'.*amphi.plugins.required"):
        make_plugin_host({"amphi.plugins.blocked": "zprotocol", "amphi.plugins.required": "client"})


def test_a_required_plugin_that_fails_stops_start_up(fake_distribution):
    with pytest.raises(PluginError, match="plugin 'broken'.*amphi.plugins.required"):
        make_plugin_host({"amphi.plugins.required": "auth_local broken"})


def test_a_blocked_plugin_is_not_even_imported(fake_distribution):
    host = make_plugin_host({"amphi.plugins.blocked": "broken,ok"})
    assert host.infos["broken"].status == "blocked"
    assert host.infos["ok"].status == "blocked"
    assert "fakeplug_ok" not in sys.modules


class RecordingPlugin:
    def __init__(self, name, calls):
        self.name, self.calls = name, calls

    @hookimpl
    def amphi_nav_items(self, request):
        self.calls.append(self.name)
        return []


def make_recording_plugin(name, calls):
    return RecordingPlugin(name, calls)


def test_relays_call_only_enabled_plugins_and_follow_changes():
    host = PluginHost(make_plugin_manager())
    calls = []
    host.add(make_recording_plugin("one", calls), PluginInfo(name="one"))
    host.add(make_recording_plugin("two", calls), PluginInfo(name="two"))
    host.for_plugins(["one"]).amphi_nav_items(request=None)
    assert calls == ["one"]
    calls.clear()
    host.for_plugins(["one", "two"]).amphi_nav_items(request=None)
    assert sorted(calls) == ["one", "two"]
    calls.clear()
    assert host.for_plugins(["two"]) is host.for_plugins(["two"])  # cached per plugin set
    host.add(make_recording_plugin("three", calls), PluginInfo(name="three"))
    host.for_plugins(["two"]).amphi_nav_items(request=None)
    assert calls == ["two"]  # a newly installed plugin is not enabled anywhere by itself


def test_a_plugin_reinstalled_under_the_same_name_stays_off_where_disabled():
    host = PluginHost(make_plugin_manager())
    calls = []
    host.add(make_recording_plugin("first", calls), PluginInfo(name="x"))
    host.for_plugins([]).amphi_nav_items(request=None)
    host.remove("x")
    host.add(make_recording_plugin("second", calls), PluginInfo(name="x"))
    host.for_plugins([]).amphi_nav_items(request=None)
    assert calls == []


class ConfiguresThroughAmphiConfig:
    """Written for hook contract 1.x: ``amphi_config`` was removed in 2.0.0 (CHANGELOG.md)."""

    @hookimpl
    def amphi_config(self, config):
        config.add_route("old.page", "/old")


def test_a_plugin_implementing_a_removed_hook_is_refused_with_its_name():
    host = PluginHost(make_plugin_manager())
    with pytest.raises(PluginError, match="plugin 'old' does not fit the hook contract.*amphi_config"):
        host.add(ConfiguresThroughAmphiConfig(), PluginInfo(name="old"))
    assert host.pm.get_plugin("old") is None


class PluginWhoseConfigurationFails:
    """Adds a route, then fails: the application must start without it and without its route."""

    @staticmethod
    def includeme(config):
        config.add_route("half.configured", "/half")
        raise RuntimeError("the plugin's settings are missing")


def host_with_failing_plugin(required: str = "") -> PluginHost:
    host = make_plugin_host({"amphi.plugins.required": required})
    host.add(PluginWhoseConfigurationFails, PluginInfo(name="half", module="tests.half"))
    return host


@pytest.fixture
def second_app():
    """Building another application points the task queue at its registry: give it back afterwards,
    or the workers of later tests (``worker_request``) would run in this test's application."""
    from core.platform import tasks

    saved = tasks._context["registry"]
    yield
    tasks._context["registry"] = saved


def test_a_plugin_whose_configuration_fails_is_left_out(amphi_settings, caplog, second_app):
    from core.platform.app import make_app

    host = host_with_failing_plugin()
    wsgi = make_app(None, amphi_settings, plugin_host=host)
    info = host.infos["half"]
    assert info.status == "failed" and "the plugin's settings are missing" in info.error
    assert "half.configured" not in {r.name for r in wsgi.registry.getUtility(IRoutesMapper).get_routes()}
    assert "plugin 'half' (tests.half) was not loaded" in caplog.text
    assert host.infos["auth_local"].status == "loaded"


def test_a_required_plugin_whose_configuration_fails_stops_start_up(amphi_settings, second_app):
    from core.platform.app import make_app

    with pytest.raises(PluginError, match="plugin 'half'.*amphi.plugins.required"):
        make_app(None, amphi_settings, plugin_host=host_with_failing_plugin(required="half"))
