"""The hook contract documents itself."""

import inspect

from packaging.version import Version

import core
from core import hookspecs
from core.platform.plugins import make_plugin_manager


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
