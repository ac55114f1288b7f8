"""Digest nonces in use (:mod:`core.httpauth`): the highest nonce count seen, so no request is replayed."""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.meta import NOT_ON_PAGES, Base, UTCDateTime


class DigestNonce(Base):
    """One nonce a client has answered with, until it expires (then purged)."""

    __tablename__ = "digest_nonces"
    __table_args__ = {"info": NOT_ON_PAGES}

    nonce: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: The highest ``nc`` accepted with this nonce; a request must bring a higher one.
    count: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
