"""The content generation: one counter that every committed write of page content bumps (:mod:`core.pagecache`)."""

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from core.models.meta import NOT_ON_PAGES, Base


class CacheGeneration(Base):
    __tablename__ = "cache_generation"
    __table_args__ = {"info": NOT_ON_PAGES}

    id: Mapped[int] = mapped_column(primary_key=True)  # one row: id 1
    value: Mapped[int] = mapped_column(BigInteger, default=0)
