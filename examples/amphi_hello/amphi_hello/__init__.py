"""Greets every new video of the sites that enable it, and lists the greetings."""

from datetime import datetime

from pyramid.view import view_config
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core import hookimpl
from core.models import Base, UTCDateTime, utcnow
from core.plugin_api import NavItem, Setting

AMPHI_HOOKS = ">=1.0,<3"  # the hook contract versions this plugin supports


class Greeting(Base):
    __tablename__ = "hello_greetings"  # tables are prefixed with the plugin's name

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def includeme(config):
    config.add_route("hello.greetings", "/hello")  # answers 404 where the plugin is off
    config.scan("amphi_hello", ignore=".migrations")  # scanning a migration would import alembic


@view_config(route_name="hello.greetings", renderer="amphi_hello:templates/greetings.html")
def greetings(request):
    query = select(Greeting).where(Greeting.site_id == request.site.id).order_by(Greeting.id)
    return {"greetings": request.dbsession.scalars(query).all()}


@hookimpl
def amphi_settings():
    return [Setting("greeting", "str", "Welcome", label="Greeting word")]


@hookimpl
def amphi_nav_items(request):
    return [NavItem(request.plugin_settings("hello")["greeting"], request.route_url("hello.greetings"), order=50)]


@hookimpl
def amphi_video_created(request, video):
    word = request.plugin_settings("hello")["greeting"]
    request.dbsession.add(Greeting(site_id=video.site_id, video_id=video.id, text=f"{word}, {video.title}!"))


def greeting_count(dbsession, site_id: int) -> int:
    return dbsession.scalar(select(func.count(Greeting.id)).where(Greeting.site_id == site_id))
