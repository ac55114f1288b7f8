"""The shared declarative base; plugins' tables use it too."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Alembic needs stable constraint names to alter them later, on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: ``__table_args__`` info of a table whose writes never change what an anonymous visitor sees
#: (progress, counters, credentials): they leave the content generation alone (:mod:`core.pagecache.generation`).
NOT_ON_PAGES = {"amphi_pages": False}
#: ``__table_args__`` info of a table that only its users' personal regions show (notifications): its writes
#: bump the personal generation, not the content one, so what is remembered per user follows them.
PERSONAL = {"amphi_pages": False, "amphi_personal": True}
#: ``__table_args__`` info of a table whose rows a site's export leaves out (:mod:`core.ops.siteexport`):
#: what only means something on the installation that made it (sessions, rate-limit counts).
NOT_EXPORTED = {"amphi_export": False}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def has_own_integer_id(table: Table) -> bool:
    """Whether the database numbers the rows of ``table``: one integer primary key, not a foreign key."""
    key = list(table.primary_key.columns)
    return len(key) == 1 and isinstance(key[0].type, Integer) and not key[0].foreign_keys


@event.listens_for(Table, "after_parent_attach")
def _ids_never_reused(table: Table, metadata) -> None:
    """Every table of :class:`Base` (the core's and the plugins') numbering its rows gets AUTOINCREMENT on
    SQLite: without it SQLite gives a deleted row's id to the next one, and an old ``/videos/<id>`` link,
    bookmark or embed opens someone else's video. PostgreSQL's sequences never go back anyway."""
    if metadata is Base.metadata and has_own_integer_id(table):
        table.dialect_kwargs["sqlite_autoincrement"] = True


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use core.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: ``Base.metadata.info`` key of the database objects no model describes (see :func:`declare_unmanaged`).
UNMANAGED = "amphi.unmanaged"


def declare_unmanaged(*names: str) -> None:
    """Declare database objects a plugin's migration creates outside the models.

    A name is a table (``search_sql_fts``, an SQLite virtual table and its
    shadow tables), ``table.column`` or an index name; comparing models with
    migrations (:func:`core.platform.migrate.model_differences`, autogenerate) ignores them.
    """
    Base.metadata.info.setdefault(UNMANAGED, set()).update(names)


def is_managed(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name`` hook: False for what :func:`declare_unmanaged` named."""
    unmanaged = Base.metadata.info.get(UNMANAGED, set())
    if type_ == "column":
        return f"{parent_names.get('table_name')}.{name}" not in unmanaged
    return name not in unmanaged
