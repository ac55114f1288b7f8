"""Keys derived from the one secret, one per purpose (core.platform.keys)."""

import hashlib
import hmac

import pytest

from core.platform.keys import PURPOSES, derived_key

SETTINGS = {"amphi.session_secret": "a long random secret"}


def test_each_purpose_has_its_own_key_none_of_them_the_secret():
    purposes = [*PURPOSES, "stats.viewer"]
    keys = {purpose: derived_key(SETTINGS, purpose) for purpose in purposes}
    assert len(set(keys.values())) == len(purposes)
    assert all(len(key) == 32 for key in keys.values())
    assert SETTINGS["amphi.session_secret"].encode() not in keys.values()
    assert derived_key(SETTINGS, "media-url") == derived_key(dict(SETTINGS), "media-url")  # stable across processes
    expected = hmac.new(b"a long random secret", b"amphi key: media-url", hashlib.sha256).digest()
    assert keys["media-url"] == expected


def test_another_secret_gives_other_keys():
    assert derived_key({"amphi.session_secret": "another"}, "media-url") != derived_key(SETTINGS, "media-url")


def test_an_empty_secret_gives_no_key():
    with pytest.raises(ValueError):
        derived_key({"amphi.session_secret": ""}, "media-url")
