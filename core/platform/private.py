"""Files that hold secrets or private data, and the folder they live in, owner-only whatever the umask.

The SQLite database (and its -wal/-shm files, which SQLite creates with the database's mode),
the queue's SQLite file, the session secret and the administrator's credentials are created
0600, in a ``var/`` folder created 0700. A file found readable by others is tightened (and
logged). A folder that exists already is left as it is: in production nginx may need to reach
the media folder inside it (see the docs, "Operating in production").
"""

from __future__ import annotations

import logging
import os
import stat

log = logging.getLogger(__name__)


def private_dir(path: str) -> None:
    """Create the folder ``path`` owner-only (mode 0700; missing parents as usual), unless it exists."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # whatever the umask


def tighten(path: str) -> None:
    """Take group and other rights away from the file ``path`` (a file of an older installation)."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        try:
            os.chmod(path, mode & 0o700)
            log.warning("%s was readable by others: now mode %o", path, mode & 0o700)
        except PermissionError:
            log.error("%s is readable by others and not ours to change (mode %o)", path, mode)


def private_file(path: str) -> None:
    """Make sure the file ``path`` exists (empty if new) and only its owner may read and write it."""
    private_dir(os.path.dirname(os.path.abspath(path)))
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        tighten(path)


def write_private(path: str, text: str) -> None:
    """Write ``text`` to ``path``, mode 0600, replacing what was there."""
    private_file(path)
    with open(path, "w") as handle:
        handle.write(text)
