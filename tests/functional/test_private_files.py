"""var/, the SQLite databases and the secrets are their owner's alone, whatever the umask."""

import os
import stat
from contextlib import contextmanager

from sqlalchemy import text

from core.platform.app import session_secret_from_file
from core.platform.db import make_engine
from core.testing import run_amphi, write_ini


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def test_amphi_init_makes_var_and_everything_secret_in_it_owner_only(tmp_path):
    ini = write_ini(tmp_path, f"sqlite:///{tmp_path}/var/amphi.sqlite")  # the embedded default's layout
    with umask(0o022):  # the usual umask: files 0644, folders 0755
        run_amphi(ini, "init", "--admin-password", "a long admin password")
    var = tmp_path / "var"
    assert mode(var) == 0o700
    for name in ("amphi.sqlite", "huey.sqlite", "session_secret", "admin-credentials.txt"):
        assert mode(var / name) == 0o600, name
    assert "password: a long admin password" in (var / "admin-credentials.txt").read_text()


def test_sqlite_journal_files_follow_the_database(tmp_path):
    with umask(0o022):
        engine = make_engine(f"sqlite:///{tmp_path}/var/amphi.sqlite")
        try:
            with engine.connect() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (1)"))
                connection.commit()
                journals = [name for name in os.listdir(tmp_path / "var") if name.endswith(("-wal", "-shm"))]
                assert sorted(journals) == ["amphi.sqlite-shm", "amphi.sqlite-wal"]
                assert {mode(tmp_path / "var" / name) for name in journals} == {0o600}
        finally:
            engine.dispose()
    assert mode(tmp_path / "var") == 0o700 and mode(tmp_path / "var" / "amphi.sqlite") == 0o600


def test_files_of_an_older_installation_are_tightened_at_start(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    (var / "amphi.sqlite").write_bytes(b"")
    (var / "session_secret").write_text("an older secret\n")
    for name in ("amphi.sqlite", "session_secret"):
        os.chmod(var / name, 0o644)
    make_engine(f"sqlite:///{var}/amphi.sqlite").dispose()
    assert session_secret_from_file(str(var / "session_secret")) == "an older secret"
    assert mode(var / "amphi.sqlite") == 0o600 and mode(var / "session_secret") == 0o600
    assert mode(var) == 0o755  # an existing folder is left alone (nginx may read media inside it)


def test_processes_starting_at_once_share_one_secret(tmp_path):
    import concurrent.futures

    path = str(tmp_path / "var" / "session_secret")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: session_secret_from_file(path), range(8)))
    assert len(secrets) == 1 and len(secrets.pop()) == 64
    assert sorted(os.listdir(tmp_path / "var")) == ["session_secret"]
