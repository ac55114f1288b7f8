"""``amphi site export`` / ``amphi site import``: a site as a portable archive, to move or restore it.

Which rows belong to a site is read from the models' metadata, not from a list: the site's row, then
every row of every table that refers (through a foreign key) to a row already taken: its domains,
users, groups, channels, videos, then their files, jobs, tracks, chapters, notes, playlists... a
plugin's tables come along the same way. Tables whose ``info`` says ``amphi_export: False``
(:data:`core.models.meta.NOT_EXPORTED`: sessions, rate-limit counts) stay behind.

The archive is a tar file: ``manifest.json`` (format, the source's migration heads, the tables and
their row counts), ``rows.jsonl`` (one ``{"table": ..., "row": {...}}`` a line, parents before
children) and, with ``--media``, ``media/<key>`` for each file the site stores.

Importing inserts every row in one transaction with new primary keys (an integer key the database
numbers is numbered again; a key made of foreign keys follows them), then copies the media. Storage
keys are rebuilt from the new ids: in a string that starts with ``sites/<old site id>/``, every
``<table>/<old id>`` segment naming an exported table is given the row's new id
(``sites/3/videos/41/source`` becomes ``sites/9/videos/112/source``).
"""

from __future__ import annotations

import base64
import io
import json
import re
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Integer, LargeBinary, Numeric, Table, Time, delete, or_, select, update
from sqlalchemy.engine import Connection

from core.models import Base, Site, SiteDomain, Video
from core.pipeline.storage import Storage, site_prefix
from core.platform.errors import AmphiError

FORMAT = "amphi-site"
VERSION = 1
#: Key segments such as ``videos/41`` are renumbered only after a site's own prefix.
SITE_KEY = re.compile(r"^sites/(\d+)/")


class ArchiveError(AmphiError):
    """The archive cannot be imported here (another format, other migrations, a name taken)."""


# --- which tables and rows ------------------------------------------------------


def exported_tables() -> list[Table]:
    """The tables a site's rows live in, parents first: ``sites`` and every table reachable from it."""
    reached = {"sites"}
    tables = []
    for table in Base.metadata.sorted_tables:
        if not table.info.get("amphi_export", True):
            continue
        parents = {fk.column.table.name for fk in table.foreign_keys} - {table.name}
        if table.name == "sites" or parents & reached:
            reached.add(table.name)
            tables.append(table)
    return tables


class RowSelection:
    """For each exported table, the SQL condition of the site's rows (memoised; built from foreign keys)."""

    def __init__(self, site_id: int, tables: list[Table]):
        self.site_id = site_id
        self.names = {table.name for table in tables}
        self.conditions: dict[str, Any] = {}

    def condition(self, table: Table):
        if table.name not in self.conditions:
            if table.name == "sites":
                self.conditions["sites"] = table.c.id == self.site_id
            else:
                links = [
                    fk.parent.in_(select(fk.column).where(self.condition(fk.column.table)))
                    for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name)
                    if fk.column.table.name in self.names and fk.column.table is not table
                ]
                self.conditions[table.name] = or_(*links)
        return self.conditions[table.name]


# --- values -----------------------------------------------------------------------


def column_kind(column) -> str:
    kind = column.type
    kind = getattr(kind, "impl", kind)  # a TypeDecorator (UTCDateTime) stores as its impl
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Time):
        return "time"
    if isinstance(kind, LargeBinary):
        return "binary"
    if isinstance(kind, Numeric) and getattr(kind, "asdecimal", False):
        return "decimal"
    return "plain"


def encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode_value(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "binary":
        return base64.b64decode(value)
    return Decimal(value)


# --- export -----------------------------------------------------------------------


def migration_heads(connection: Connection) -> list[str]:
    from alembic.migration import MigrationContext

    return sorted(MigrationContext.configure(connection).get_current_heads())


def site_rows(connection: Connection, site_id: int) -> Iterator[tuple[str, dict]]:
    """``(table, row)`` of every row of the site, parents first (within a table, by primary key)."""
    tables = exported_tables()
    selection = RowSelection(site_id, tables)
    for table in tables:
        order = list(table.primary_key.columns)
        for row in connection.execute(select(table).where(selection.condition(table)).order_by(*order)).mappings():
            yield table.name, {key: encode_value(value) for key, value in row.items()}


def export_site(connection: Connection, slug: str, path: str, storage: Storage | None = None) -> dict[str, int]:
    """Write the site ``slug`` to the archive ``path`` (with its media when ``storage`` is given);
    return the row count of each table (and ``media files``)."""
    site_id = connection.scalar(select(Site.id).where(Site.slug == slug))
    if site_id is None:
        raise AmphiError(f"no site named {slug!r} (see: amphi site list)")
    counts: dict[str, int] = {}
    with tempfile.TemporaryFile("w+b") as rows:
        for table, row in site_rows(connection, site_id):
            rows.write(json.dumps({"table": table, "row": row}, ensure_ascii=False).encode() + b"\n")
            counts[table] = counts.get(table, 0) + 1
        media = sorted(storage.walk(site_prefix(site_id))) if storage is not None else []
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "site": {"id": site_id, "slug": slug},
            "heads": migration_heads(connection),
            "tables": counts,
            "media": len(media),
        }
        with tarfile.open(path, "w") as archive:
            add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            rows.seek(0, io.SEEK_END)
            info = tarfile.TarInfo("rows.jsonl")
            info.size = rows.tell()
            rows.seek(0)
            archive.addfile(info, rows)
            for key, size in media:
                info = tarfile.TarInfo(f"media/{key}")
                info.size = size
                with storage.open(key) as stream:  # type: ignore[union-attr]
                    archive.addfile(info, stream)
    return {**counts, "media files": len(media)}


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


# --- import -----------------------------------------------------------------------


@dataclass
class KeyMap:
    """Old primary keys to new ones, per table; the rows inserted in each."""

    site: tuple[int, int] = (0, 0)
    ids: dict[str, dict[Any, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def new_key(self, key: str) -> str:
        """A storage key of the old site with every ``<table>/<id>`` segment renumbered."""
        match = SITE_KEY.match(key)
        if match is None or int(match.group(1)) != self.site[0]:
            return key
        parts = key.split("/")
        parts[1] = str(self.site[1])
        for index in range(2, len(parts) - 1):
            numbers = self.ids.get(parts[index])
            if numbers and parts[index + 1].isdigit() and int(parts[index + 1]) in numbers:
                parts[index + 1] = str(numbers[int(parts[index + 1])])
        return "/".join(parts)


def numbered_key(table: Table):
    """The table's primary key column when the database numbers it (one integer column, no foreign key)."""
    columns = list(table.primary_key.columns)
    if len(columns) == 1 and isinstance(columns[0].type, Integer) and not columns[0].foreign_keys:
        return columns[0]
    return None


def read_archive(path: str) -> tuple[dict, tarfile.TarFile]:
    try:
        archive = tarfile.open(path, "r")
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise ArchiveError(f"{path} is not a site archive: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ArchiveError(f"{path} is not a site archive of version {VERSION}")
    return manifest, archive


def archive_rows(archive: tarfile.TarFile) -> Iterator[tuple[str, dict]]:
    for line in archive.extractfile("rows.jsonl"):  # type: ignore[union-attr]
        entry = json.loads(line)
        yield entry["table"], entry["row"]


def import_rows(
    connection: Connection, rows: Iterator[tuple[str, dict]], old_site: int, slug: str | None, domains: list[str] | None
) -> KeyMap:
    """Insert the archive's rows with new keys; return the key map. The caller owns the transaction."""
    tables = {table.name: table for table in exported_tables()}
    keys = KeyMap()
    pending: dict[str, list[dict]] = {}
    order: list[str] = []
    for name, row in rows:
        if name not in tables:
            raise ArchiveError(f"the archive has rows of table {name!r}, which no installed plugin declares here")
        if name not in pending:
            order.append(name)
            pending[name] = []
        pending[name].append(row)
    for name in order:
        table = tables[name]
        if name == "sites":
            rename_site(pending[name][0], slug)
        if name == "site_domains" and domains:
            pending[name] = [dict(pending[name][0], domain=domain) for domain in domains]
        check_names_free(connection, name, pending[name])
        insert_table(connection, table, pending.pop(name), keys)
        if name == "sites":
            keys.site = (old_site, keys.ids["sites"][old_site])
    rewrite_keys(connection, tables, order, keys)
    return keys


def rename_site(row: dict, slug: str | None) -> None:
    if slug:
        row["slug"] = slug
    row["is_default"] = False  # the installation it joins has its default site already


def insert_table(connection: Connection, table: Table, rows: list[dict], keys: KeyMap) -> None:
    """Insert ``rows`` with their foreign keys renumbered; parents of a self-reference first."""
    kinds = {column.name: column_kind(column) for column in table.columns}
    numbered = numbered_key(table)
    primary = list(table.primary_key.columns)
    self_links = [fk for fk in table.foreign_keys if fk.column.table is table]
    mapping = keys.ids.setdefault(table.name, {})
    keys.counts[table.name] = len(rows)
    remaining = rows
    while remaining:
        ready = [row for row in remaining if all(self_ready(row, fk, mapping) for fk in self_links)]
        if not ready:
            raise ArchiveError(f"table {table.name}: rows refer to each other in a circle")
        remaining = [row for row in remaining if not any(row is r for r in ready)]
        for row in ready:
            values = {name: decode_value(kinds[name], value) for name, value in row.items() if name in kinds}
            old_key = values.get(primary[0].name) if len(primary) == 1 else None
            for fk in table.foreign_keys:
                old = values.get(fk.parent.name)
                if old is None:
                    continue
                if not fk.column.table.info.get("amphi_export", True):
                    values[fk.parent.name] = None  # a session...: it stays behind
                    continue
                target = keys.ids.get(fk.column.table.name, {})
                if old not in target:
                    raise ArchiveError(
                        f"table {table.name}: {fk.parent.name} = {old} refers to a row not in the archive"
                    )
                values[fk.parent.name] = target[old]
            if numbered is not None:
                values.pop(numbered.name)
                mapping[old_key] = connection.execute(table.insert().values(values).returning(numbered)).scalar_one()
            else:
                connection.execute(table.insert().values(values))
                if old_key is not None:  # a key that is a foreign key (a user's credentials): it followed its parent
                    mapping[old_key] = values[primary[0].name]


def self_ready(row: dict, fk, mapping: dict) -> bool:
    parent = row.get(fk.parent.name)
    return parent is None or parent in mapping


def check_names_free(connection: Connection, table: str, rows: list[dict]) -> None:
    """Say which name is taken before inserting (rather than the database's constraint message)."""
    if table == "sites":
        slug = rows[0]["slug"]
        if connection.scalar(select(Site.id).where(Site.slug == slug)) is not None:
            raise ArchiveError(f"a site named {slug!r} exists already here: import with --slug NEW")
    if table == "site_domains":
        for row in rows:
            if connection.scalar(select(SiteDomain.id).where(SiteDomain.domain == row["domain"])) is not None:
                raise ArchiveError(f"the domain {row['domain']} belongs to another site here: import with --domain NEW")


def rewrite_keys(connection: Connection, tables: dict[str, Table], order: list[str], keys: KeyMap) -> None:
    """Give every string column that holds one of the old site's storage keys the renumbered key."""
    old_prefix = f"sites/{keys.site[0]}/"
    for name in order:
        table = tables[name]
        numbered = numbered_key(table)
        strings = [
            c for c in table.columns if column_kind(c) == "plain" and getattr(c.type, "length", None) is not None
        ]
        if numbered is None or not strings:
            continue
        new_ids = list(keys.ids[name].values())
        for start in range(0, len(new_ids), 500):
            chunk = new_ids[start : start + 500]
            rows = connection.execute(
                select(numbered, *strings).where(numbered.in_(chunk), or_(*[c.startswith(old_prefix) for c in strings]))
            ).all()
            for row in rows:
                changed = {
                    c.name: keys.new_key(row[i + 1])
                    for i, c in enumerate(strings)
                    if isinstance(row[i + 1], str) and row[i + 1].startswith(old_prefix)
                }
                connection.execute(update(table).where(numbered == row[0]).values(changed))


def import_media(archive: tarfile.TarFile, keys: KeyMap, storage: Storage) -> int:
    """Copy the archive's media to their renumbered keys; return how many."""
    count = 0
    for member in archive:
        if member.isfile() and member.name.startswith("media/"):
            key = keys.new_key(member.name.removeprefix("media/"))
            if not key.startswith(site_prefix(keys.site[1]) + "/"):
                raise ArchiveError(f"the archive's file {member.name} is not one of its site's")
            storage.save(key, archive.extractfile(member))  # type: ignore[arg-type]
            count += 1
    return count


def import_site(
    engine,
    path: str,
    storage_of: Callable[[int], Storage] | None,
    slug: str | None = None,
    domains: list[str] | None = None,
) -> tuple[int, dict[str, int]]:
    """Import the archive ``path``: rows in one transaction, then (when ``storage_of`` is given) its media
    into the new site's storage. A failure leaves nothing behind. Returns the new site id and counts."""
    manifest, archive = read_archive(path)
    with archive:
        with engine.begin() as connection:
            here = migration_heads(connection)
            if here != manifest["heads"]:
                raise ArchiveError(
                    f"the archive was made at migrations {', '.join(manifest['heads'])}; this database is at "
                    f"{', '.join(here) or 'none'}: bring both to the same version (amphi db upgrade) first"
                )
            keys = import_rows(connection, archive_rows(archive), manifest["site"]["id"], slug, domains)
        site_id = keys.site[1]
        media = 0
        if storage_of is not None and manifest.get("media"):
            storage = storage_of(site_id)
            try:
                media = import_media(archive, keys, storage)
            except Exception:
                remove_site(engine, site_id, storage)
                raise
    return site_id, {**keys.counts, "media files": media}


def remove_site(engine, site_id: int, storage: Storage | None) -> None:
    """Undo an import whose media could not be copied."""
    if storage is not None:
        storage.delete_prefix(site_prefix(site_id))
    with engine.begin() as connection:
        connection.execute(delete(Video).where(Video.site_id == site_id))
        connection.execute(delete(Site).where(Site.id == site_id))
