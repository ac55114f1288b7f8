import pytest

from core.platform.errors import ConfigurationError, ValidationError
from core.platform.settings import PluginSettings, Setting, env_name, key_from_env, load_settings


def test_setting_coercion():
    assert Setting("x", "bool", False).coerce("yes") is True
    assert Setting("x", "bool", True).coerce("off") is False
    assert Setting("x", "int", 3).coerce("42") == 42
    assert Setting("x", "list", []).coerce("a, b c") == ["a", "b", "c"]
    assert Setting("x", "choice", "a", choices=("a", "b")).coerce("b") == "b"
    assert Setting("x", "int", 3).coerce(None) == 3
    assert Setting("x", "float", 64).coerce("0.5") == 0.5
    assert Setting("x", "seconds", 5).coerce("0.1") == 0.1
    with pytest.raises(ValidationError) as info:
        Setting("count", "int", 3).coerce("many")
    assert info.value.errors == {"count": "a whole number is expected"}
    with pytest.raises(ValidationError):
        Setting("x", "choice", "a", choices=("a", "b")).coerce("c")
    with pytest.raises(ValidationError):
        Setting("x", "bool").coerce("perhaps")
    with pytest.raises(ValidationError, match="seconds"):
        Setting("x", "seconds", 5).coerce("-1")


def test_a_setting_needs_a_known_type():
    with pytest.raises(ConfigurationError):
        Setting("x", "complex")
    with pytest.raises(ConfigurationError):
        Setting("x", "choice")


def test_effective_settings_layering():
    declared = PluginSettings(
        "demo",
        {
            "size": Setting("size", "int", 10),
            "secret": Setting("secret", "str", "", site_editable=False),
            "on": Setting("on", "bool", False),
        },
    )
    ini = {"amphi.demo.size": "20", "amphi.demo.secret": "s3"}
    assert declared.effective(ini, None) == {"size": 20, "secret": "s3", "on": False}
    # A site's override wins, except for settings only the server may set.
    assert declared.effective(ini, {"size": 30, "secret": "nope", "on": True}) == {
        "size": 30,
        "secret": "s3",
        "on": True,
    }


def test_site_overrides_are_validated_against_declarations():
    declared = PluginSettings(
        "demo", {"size": Setting("size", "int", 10), "secret": Setting("secret", "str", "", site_editable=False)}
    )
    assert declared.validate_overrides({"size": "5"}) == {"size": 5}
    with pytest.raises(ValidationError) as info:
        declared.validate_overrides({"size": "x", "secret": "a", "unknown": 1})
    assert set(info.value.errors) == {"size", "secret", "unknown"}


def test_environment_variables_map_to_settings():
    assert env_name("amphi.database_url") == "AMPHI_DATABASE_URL"
    assert env_name("amphi.auth_local.signup") == "AMPHI_AUTH_LOCAL__SIGNUP"
    assert key_from_env("AMPHI_AUTH_LOCAL__SIGNUP") == "amphi.auth_local.signup"
    settings = load_settings(
        {"amphi.database_url": "sqlite:///ini.sqlite"},
        {
            "AMPHI_DATABASE_URL": "postgresql://db/amphi",
            "AMPHI_AUTH_LOCAL__SIGNUP": "true",
            "AMPHI_TEST_DB": "postgresql",
            "HOME": "/root",
        },
    )
    assert settings["amphi.database_url"] == "postgresql://db/amphi"
    assert settings["amphi.auth_local.signup"] == "true"
    assert "amphi.test_db" not in settings


def test_var_dir_is_substituted_and_bad_values_named():
    settings = load_settings({"amphi.var_dir": "/srv/amphi"}, {})
    assert settings["amphi.database_url"] == "sqlite:////srv/amphi/amphi.sqlite"
    with pytest.raises(ConfigurationError, match="amphi.unknown_host"):
        load_settings({"amphi.unknown_host": "maybe"}, {})


@pytest.mark.parametrize(
    ("kind", "declared", "expected"),
    [
        ("list", "360p 720p", ["360p", "720p"]),
        ("list", "", []),
        ("list", None, []),
        ("list", ["a"], ["a"]),
        ("int", "128", 128),
        ("int", None, 0),
        ("bool", "yes", True),
        ("bool", None, False),
        ("str", None, ""),
        ("text", None, ""),
        ("choice", None, "a"),
    ],
)
def test_a_declared_default_is_read_back_with_its_type(kind, declared, expected):
    setting = Setting("x", kind, declared, choices=("a", "b") if kind == "choice" else ())
    assert setting.coerce(None) == expected and type(setting.coerce(None)) is type(expected)
    assert PluginSettings("demo", {"x": setting}).effective({}, None) == {"x": expected}


def test_a_list_default_is_a_fresh_list_each_time():
    setting = Setting("x", "list", ["a"])
    setting.coerce(None).append("b")
    assert setting.coerce(None) == ["a"]


def test_a_default_of_the_wrong_type_is_refused_at_declaration():
    with pytest.raises(ConfigurationError, match="'x': default 'many'"):
        Setting("x", "int", "many")
    with pytest.raises(ConfigurationError):
        Setting("x", "choice", "c", choices=("a", "b"))
