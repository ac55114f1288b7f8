"""The ``amphi`` command, run as a user runs it (a subprocess on an ini file)."""

import subprocess
import sys

import pytest

from core.testing import temporary_database, write_ini


@pytest.fixture(scope="module")
def ini(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    with temporary_database(folder) as url:
        yield write_ini(folder, url)


@pytest.fixture(scope="module")
def initialised(ini):
    amphi(ini, "init")
    return ini


def amphi(ini, *args, ok=True):
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "-c", str(ini), *args], capture_output=True, text=True, timeout=120
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def test_init_creates_the_default_site_and_a_superuser(ini):
    out = amphi(ini, "init", "--name", "Université Test", "--domain", "video.univ.test").stdout
    assert "created site 'default' (localhost, 127.0.0.1, video.univ.test)" in out
    credentials = ini.parent / "var" / "admin-credentials.txt"
    assert credentials.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert credentials.read_text().startswith("username: admin\npassword: ")
    again = amphi(ini, "init").stdout  # idempotent: nothing new, password kept
    assert "created" not in again
    assert amphi(ini, "db", "check").stdout.strip().endswith("database matches the models")


def test_plugins_lists_auth_local_with_its_hooks(ini):
    out = amphi(ini, "plugins").stdout
    assert "auth_local 0.1.0 [loaded] (plugins.auth_local)" in out
    assert "hooks: amphi_login_methods, amphi_nav_items, amphi_set_password, amphi_settings" in out
    assert "sites: default" in out


def test_sites_and_plugins(ini):
    assert (
        "created site 'law': auth_local"
        in amphi(ini, "site", "add", "law", "--name", "Droit", "--domain", "law.test", "--plugins", "auth_local").stdout
    )
    amphi(ini, "site", "enable-plugin", "law", "hello")
    assert "law\tDroit\tlaw.test\tplugins: auth_local, hello" in amphi(ini, "site", "list").stdout
    amphi(ini, "site", "disable-plugin", "law", "hello")
    assert "plugins: auth_local\n" in amphi(ini, "site", "list").stdout


def test_users(ini):
    out = amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--email", "prof@univ.test").stdout
    assert out.startswith("created staff 'prof' on default; password: ")
    amphi(ini, "user", "add", "law", "prof", "--password", "a long password")  # same name, other site


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["site", "enable-plugin", "nowhere", "auth_local"],
            "amphi: error: no site named 'nowhere' (see: amphi site list)",
        ),
        (["site", "enable-plugin", "default", "not_installed"], "amphi: error: plugins: not installed: not_installed"),
        (["user", "add", "default", "admin"], "amphi: error: username: admin exists already on this site."),
        (
            ["user", "add", "default", "../etc"],
            "amphi: error: username: Letters, digits and . @ + - _ only, at most 150.",
        ),
    ],
)
def test_errors_are_one_clear_line(initialised, args, message):
    result = amphi(initialised, *args, ok=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == message


def test_a_missing_configuration_file_is_named(tmp_path):
    result = amphi(tmp_path / "nope.ini", "plugins", ok=False)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"amphi: error: configuration file {tmp_path / 'nope.ini'} not found (use -c or AMPHI_CONFIG)"
    )


def test_serve_with_several_processes(initialised, tmp_path):
    """`amphi serve --workers 2`: two forked processes answer on one port; stopping the parent stops them."""
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from core.testing import free_port

    port = free_port()
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "-c", str(initialised), "serve", "--port", str(port), "--workers", "2"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        servers = [pid for pid in children if b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(servers) == 2
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda _: urllib.request.urlopen(f"http://127.0.0.1:{port}/login").status, range(40))
            )
        assert statuses == [200] * 40
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not any(Path(f"/proc/{pid}").exists() for pid in servers)  # reaped, not left running
    assert "(2 processes, " in (tmp_path / "server.log").read_text()
