"""Run Ralph (France Université Numérique's LRS) for the tests: ``python ralph_launcher.py FOLDER PORT USER PASSWORD``.

Runs with Ralph's own virtualenv (``.venv-ralph``, made by ``scripts/bootstrap.sh``), with its file
backend in ``FOLDER/data`` and one account (``USER``, ``PASSWORD``, every scope) in
``FOLDER/auth.json`` (what ``ralph auth`` writes). Two bugs of Ralph
5.1.0's file backend are patched here, before the server starts, so that the LRS behaves as the xAPI
specification says (Amphi's code and tests expect the specification, not these bugs):

- the backend's default operation is ``INDEX``, which refuses to write into a file that exists:
  every write after the first would answer 500; ``APPEND`` is what an LRS needs;
- its ``IRI`` type compares and hashes the wrapper, not the IRI: filtering statements by verb or
  activity would never match.
"""

import json
import os
import sys
from pathlib import Path

import bcrypt


def configure(folder: Path, user: str, password: str) -> None:
    """Ralph's settings (read when it is imported): the file backend and its one account."""
    (folder / "data" / user).mkdir(parents=True, exist_ok=True)  # the account's target folder must exist
    account = {
        "username": user,
        "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(),
        "scopes": ["all"],
        "agent": {"mbox": f"mailto:{user}@example.org"},
        "target": user,
    }
    (folder / "auth.json").write_text(json.dumps([account]))
    os.environ.update(
        RALPH_AUTH_FILE=str(folder / "auth.json"),
        RALPH_RUNSERVER_BACKEND="fs",
        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(folder / "data"),
    )


def patch_file_backend() -> None:
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend
    from ralph.models.xapi.base.common import IRI

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    IRI.__eq__ = lambda self, other: str(getattr(self, "root", self)) == str(getattr(other, "root", other))
    IRI.__hash__ = lambda self: hash(str(getattr(self, "root", self)))


if __name__ == "__main__":
    configure(Path(sys.argv[1]), sys.argv[3], sys.argv[4])
    patch_file_backend()
    import uvicorn

    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
