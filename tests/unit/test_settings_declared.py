"""Every setting the code reads is declared once, with a doc; an undeclared read fails (issue 14)."""

import ast
from pathlib import Path

import pytest

from core.platform.plugins import installed_settings, make_plugin_host
from core.platform.settings import (
    CORE_NAMES,
    CORE_SETTINGS,
    EffectiveSettings,
    PluginSettings,
    Setting,
    UndeclaredSetting,
    setting,
)

ROOT = Path(__file__).resolve().parents[2]


def plugin_sources() -> dict[str, list[Path]]:
    """The Python files of every installed plugin (built-in, plugin_*, the example), by plugin name."""
    sources = {}
    for info in make_plugin_host({}).loaded:
        start = Path(info.plugin.__file__)
        files = sorted(start.parent.rglob("*.py")) if start.name == "__init__.py" else [start]
        sources[info.name] = [f for f in files if "tests" not in f.parts and "migrations" not in f.parts]
    return sources


def ends_with_settings(node: ast.expr) -> bool:
    """``settings``, ``request.registry.settings``, ``cas_settings(request)``, ``request.plugin_settings(NAME)``."""
    if isinstance(node, ast.Call):
        node = node.func
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.endswith("settings")


def literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def setting_reads(path: Path):
    """(line, kind, name) of each settings read in a file: ``accessor`` (core.platform.settings.setting),
    ``raw`` (``<...settings>["amphi.x"]`` or ``.get("amphi.x")``), ``key`` (``<...settings>["x"]``),
    ``get`` (``<...settings>.get(...)``: a default written at the call site)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setting":
            yield node.lineno, "accessor", literal(node.args[1]) if len(node.args) > 1 else None
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and ends_with_settings(node.func.value)
        ):
            name = literal(node.args[0]) if node.args else None
            yield node.lineno, "raw" if name and name.startswith("amphi.") else "get", name
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and ends_with_settings(node.value):
            name = literal(node.slice)
            if name is not None:
                yield node.lineno, "raw" if name.startswith("amphi.") else "key", name


def undeclared_reads(path: Path, declared_keys: set[str] | None) -> list[str]:
    """What is wrong in one file; ``declared_keys`` are its plugin's (None for the core)."""
    wrong = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for line, kind, name in setting_reads(path):
        if kind == "accessor" and name not in CORE_NAMES:
            wrong.append(f"{where}:{line}: setting(..., {name!r}) is not a declared core setting (a literal name)")
        elif kind == "raw":
            wrong.append(f"{where}:{line}: {name} read raw; use core.platform.settings.setting(settings, {name!r})")
        elif kind == "get" and declared_keys is not None:
            wrong.append(f"{where}:{line}: settings.get(): read settings[key], the declaration holds the default")
        elif kind == "key" and declared_keys is not None and name not in declared_keys:
            wrong.append(f"{where}:{line}: {name!r} is not declared by the plugin")
    return wrong


def test_every_setting_read_in_the_code_is_declared():
    wrong = []
    core_files = [f for f in sorted((ROOT / "core").rglob("*.py")) if f.name != "settings.py"]
    for path in core_files:
        wrong += undeclared_reads(path, None)
    sources = plugin_sources()
    assert {"encoder_ffmpeg", "recorder", "opencast_studio", "hello"} <= set(sources)
    declarations = installed_settings()
    for name, files in sources.items():
        keys = set(declarations[name].declared) if name in declarations else set()
        for path in files:
            wrong += undeclared_reads(path, keys)
    assert wrong == []


def test_the_scan_sees_what_it_must_refuse(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(request, settings):\n"
        '    a = request.registry.settings.get("amphi.var_dir", "var")\n'
        '    b = setting(settings, "amphi.no_such")\n'
        '    c = request.plugin_settings("x")["nope"]\n'
        '    d = settings.get("gpu") or False\n',
        encoding="utf-8",
    )
    found = undeclared_reads(sample, {"gpu"})
    assert [message.split(": ", 1)[1].split(" ")[0] for message in found] == [
        "amphi.var_dir",
        "setting(...,",
        "'nope'",
        "settings.get():",
    ]


def test_every_declaration_has_a_one_line_doc():
    groups = {"core": CORE_SETTINGS, **installed_settings()}
    missing = [
        f"{name}.{key}"
        for name, group in groups.items()
        for key, declared in group.declared.items()
        if not str(declared.label).strip() or "\n" in str(declared.label)
    ]
    assert missing == []


def test_the_core_accessor_refuses_an_undeclared_name_and_names_a_bad_value():
    assert setting({}, "amphi.session_max_age") == 43200
    assert setting({"amphi.jobs.heartbeat_seconds": "0.5"}, "amphi.jobs.heartbeat_seconds") == 0.5
    with pytest.raises(UndeclaredSetting, match="amphi.sesion_max_age"):
        setting({"amphi.sesion_max_age": "1"}, "amphi.sesion_max_age")
    with pytest.raises(Exception, match="amphi.jobs.max_attempts: a whole number is expected"):
        setting({"amphi.jobs.max_attempts": "three"}, "amphi.jobs.max_attempts")


def test_a_plugins_settings_refuse_an_undeclared_key_and_a_call_site_default():
    effective = PluginSettings.of("demo", [Setting("size", "int", 10, label="Size")]).effective({}, None)
    assert isinstance(effective, EffectiveSettings) and effective == {"size": 10} and effective.get("size") == 10
    with pytest.raises(UndeclaredSetting, match="amphi.demo.colour"):
        effective["colour"]
    with pytest.raises(UndeclaredSetting):
        effective.get("colour")
    with pytest.raises(TypeError):
        effective.get("size", 20)


def test_an_undeclared_plugin_read_fails_in_a_request(app, site):
    from core.platform.sites import plugin_settings

    with pytest.raises(UndeclaredSetting, match="amphi.hello.greting"):
        plugin_settings(app.registry, site, "hello")["greting"]
    with pytest.raises(UndeclaredSetting):
        plugin_settings(app.registry, site, "no_such_plugin")["anything"]
