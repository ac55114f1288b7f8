"""The chapters plugin's table: a video's chapters, each a title and a start time."""

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base


class Chapter(Base):
    """A chapter of a video: it starts at ``start_ms`` and ends where the next one starts."""

    __tablename__ = "chapters"
    __table_args__ = (UniqueConstraint("video_id", "start_ms"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    start_ms: Mapped[int] = mapped_column(Integer)

    @property
    def start(self) -> float:
        return self.start_ms / 1000
