"""The hook contract documents itself."""

import ast
import inspect
import re
import typing
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import core
from core import hookspecs
from core.platform.plugins import make_plugin_host, make_plugin_manager


def hook_functions():
    return [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("amphi_")]


def test_every_hook_is_prefixed_and_documented():
    functions = hook_functions()
    assert len(functions) >= 15
    for function in functions:
        doc = inspect.getdoc(function)
        assert doc and len(doc) > 20, f"{function.__name__} has no docstring"


def test_firstresult_hooks_say_so():
    pm = make_plugin_manager()
    for function in hook_functions():
        spec = getattr(pm.hook, function.__name__).spec
        if spec.opts.get("firstresult"):
            assert "Stops at first non-None result" in inspect.getdoc(function), function.__name__


def test_every_declared_hook_is_registered_with_pluggy():
    pm = make_plugin_manager()
    names = {f.__name__ for f in hook_functions()}
    assert names == {name for name in dir(pm.hook) if name.startswith("amphi_")}


def test_hooks_version_is_semantic():
    version = Version(core.HOOKS_VERSION)
    assert len(version.release) == 3


# --- the contract walk: types, parameters, versions, implementations -------

#: The packages of the plugins that ship with Amphi (the example plugin is a third party's).
FIRST_PARTY = ("plugins", "plugin_recorder", "plugin_bbb", "plugin_moodle", "opencast_studio")
VERSION_ADDED = re.compile(r"^\.\. versionadded:: (\S+)$", re.MULTILINE)


def walked_hooks():
    return hook_functions()


def type_checking_names() -> dict:
    """What the ``if TYPE_CHECKING:`` block of core/hookspecs.py imports, imported for real."""
    tree = ast.parse(inspect.getsource(hookspecs))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    names: dict = {}
    exec(compile(ast.Module(body=block.body, type_ignores=[]), hookspecs.__file__, "exec"), names)
    return names


def since(function) -> Version:
    (version,) = VERSION_ADDED.findall(inspect.getdoc(function))
    return Version(version)


def test_every_argument_and_return_is_annotated_with_types_that_exist():
    namespace = {**vars(hookspecs), **type_checking_names()}
    for function in walked_hooks():
        signature = inspect.signature(function)
        missing = [name for name, p in signature.parameters.items() if p.annotation is inspect.Parameter.empty]
        assert not missing, f"{function.__name__}: {missing} not annotated"
        assert signature.return_annotation is not inspect.Signature.empty, f"{function.__name__} returns what?"
        hints = typing.get_type_hints(function, globalns=namespace)  # raises on a name that does not exist
        assert set(hints) == set(signature.parameters) | {"return"}


def test_every_argument_is_documented():
    for function in walked_hooks():
        documented = re.findall(r"^:param (\w+):", inspect.getdoc(function), re.MULTILINE)
        assert documented == list(inspect.signature(function).parameters), function.__name__


def test_every_hook_says_which_contract_version_added_it():
    current = Version(hookspecs.HOOKS_VERSION)
    assert core.HOOKS_VERSION == hookspecs.HOOKS_VERSION
    for function in walked_hooks():
        assert len(VERSION_ADDED.findall(inspect.getdoc(function))) == 1, f"{function.__name__}: no versionadded"
        assert Version("1.0.0") <= since(function) <= current, function.__name__


@pytest.fixture(scope="module")
def first_party_host():
    host = make_plugin_host({})
    return [info for info in host.infos.values() if info.module.split(".")[0] in FIRST_PARTY], host.pm


def test_every_built_in_plugin_fits_the_current_contract(first_party_host):
    infos, _ = first_party_host
    assert len(infos) >= 17
    refused = {info.name: info.error for info in infos if not info.loaded}
    assert not refused, f"AMPHI_HOOKS must admit {hookspecs.HOOKS_VERSION}: {refused}"


def test_every_hook_is_implemented_by_a_built_in_plugin_or_serves_third_parties(first_party_host):
    infos, pm = first_party_host
    implemented = {name for info in infos for name in info.hooks(pm)}
    names = {f.__name__ for f in walked_hooks()}
    assert names - implemented <= hookspecs.THIRD_PARTY_HOOKS, "unused hooks: implement, list or remove them"
    assert not hookspecs.THIRD_PARTY_HOOKS & implemented, "a built-in plugin implements it: not third-party only"
    tests = "".join(path.read_text() for path in Path(__file__).parents[1].rglob("*.py"))
    for name in hookspecs.THIRD_PARTY_HOOKS:
        assert f"def {name}(self, " in tests, f"{name}: no test plugin implements it"


def test_built_in_plugins_claim_no_contract_older_than_the_hooks_they_implement(first_party_host):
    infos, pm = first_party_host
    added = {f.__name__: since(f) for f in walked_hooks()}
    older = sorted(set(added.values()) | {Version("1.0.0")})
    for info in (info for info in infos if info.loaded):
        supported = SpecifierSet(info.plugin.AMPHI_HOOKS)
        for name in set(info.hooks(pm)) & set(added):
            too_old = [str(v) for v in older if v < added[name] and v in supported]
            assert not too_old, f"{info.name} implements {name} (added in {added[name]}) but claims {too_old}"
