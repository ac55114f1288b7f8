"""The plugin's own hooks join the contract when it is loaded, documented as the core's are."""

import inspect

from core.platform.plugins import make_plugin_host, make_plugin_manager
from plugins.opencast_ingest import hookspecs

NAMES = {"amphi_ingest_authenticate", "amphi_ingest_challenge", "amphi_ingest_received"}


def hook_functions():
    return [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("amphi_")]


def test_the_hooks_are_the_plugins_not_the_cores():
    assert {f.__name__ for f in hook_functions()} == NAMES
    assert not NAMES & set(dir(make_plugin_manager().hook))
    host = make_plugin_host({})
    assert NAMES <= set(dir(host.pm.hook))
    assert host.implementers("amphi_ingest_authenticate") >= {"opencast_studio", "recorder"} & set(host.names())


def test_every_hook_is_typed_and_documents_each_argument():
    pm = make_plugin_host({}).pm
    for function in hook_functions():
        doc = inspect.getdoc(function)
        arguments = inspect.signature(function).parameters
        assert all(f":param {name}:" in doc for name in arguments), function.__name__
        assert all(p.annotation is not inspect.Parameter.empty for p in arguments.values()), function.__name__
        assert inspect.signature(function).return_annotation is not inspect.Signature.empty, function.__name__
        if getattr(pm.hook, function.__name__).spec.opts.get("firstresult"):
            assert "Stops at first non-None result" in doc, function.__name__
