"""The statistics pages: one video's views per day, and the site's figures for its admins."""

from __future__ import annotations

from datetime import date

from pyramid.httpexceptions import HTTPBadRequest, HTTPFound
from pyramid.view import view_config

from plugins.stats import counting, formatting
from plugins.stats.access import video_for_stats
from plugins.stats.charts import bar_chart
from plugins.stats.csvexport import csv_response
from plugins.stats.queries import (
    MAX_DAYS,
    Period,
    PeriodError,
    parse_period,
    site_totals,
    top_videos,
    upload_days,
    video_days,
    video_totals,
)
from plugins.stats.storage_use import PARTS, latest_measure, measure_after_commit


def requested_period(request) -> tuple[Period | None, str]:
    """The period of the query string, or ``None`` and the error to show."""
    try:
        return parse_period(request.params, counting.today()), ""
    except PeriodError as exc:
        return None, request.translate(exc.message, **exc.mapping)


def period_form(request, period: Period | None, error: str) -> dict:
    values = period.query() if period else {key: request.params.get(key, "") for key in ("start", "end")}
    return {
        "period": period,
        "form": values,
        "error": error,
        "max_days": MAX_DAYS,
        "today": counting.today().isoformat(),
    }


def summary(request, total: str, period: Period, best: tuple[date, str] | None) -> str:
    """What a chart shows, in one sentence (its SVG ``<desc>``)."""
    text = request.translate(
        "From ${start} to ${end}: ${total} in all.",
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        total=total,
    )
    if best is not None:
        text += " " + request.translate("The highest: ${value} on ${day}.", value=best[1], day=best[0].isoformat())
    return text


def daily_chart(request, chart_id: str, title: str, period: Period, points: list, unit=None) -> object:
    """A bar chart of ``points`` ``(day, value)``; ``unit(value)`` writes a value (a plain number by default)."""
    unit = unit or (lambda value: formatting.number(request, value, 2))
    peak = max(points, key=lambda p: p[1], default=None)
    best = (peak[0], unit(peak[1])) if peak and peak[1] > 0 else None
    description = summary(request, unit(sum(value for _, value in points)), period, best)
    return bar_chart(
        chart_id,
        title,
        description,
        points,
        describe=lambda day, value: f"{day.isoformat()}: {unit(value)}",
        tick_label=unit,
        whole=all(float(value).is_integer() for _, value in points),
    )


# --- one video ----------------------------------------------------------------


@view_config(route_name="stats.video", renderer="plugins.stats:templates/video_stats.html")
def video_stats(request):
    video = video_for_stats(request)
    period, error = requested_period(request)
    values = {"video": video, **period_form(request, period, error)}
    if period is None:
        request.response.status = 400
        return values
    days = video_days(request.dbsession, video, period)
    views, seconds = video_totals(request.dbsession, video)
    chart = daily_chart(
        request, "views-chart", request.translate("Views per day"), period, [(row.day, row.views) for row in days]
    )
    return {
        **values,
        "days": days,
        "chart": chart,
        "total_views": views,
        "total_seconds": seconds,
        "period_views": sum(row.views for row in days),
        "period_seconds": sum(row.watch_seconds for row in days),
        "fmt": formatting,
    }


@view_config(route_name="stats.video.csv")
def video_stats_csv(request):
    video = video_for_stats(request)
    period = csv_period(request)
    rows = [
        (row.day.isoformat(), row.views, round(row.watch_seconds))
        for row in video_days(request.dbsession, video, period)
    ]
    return csv_response(
        f"video-{video.id}-views-{period.start}-{period.end}.csv", ["date", "views", "watch_seconds"], rows
    )


def csv_period(request) -> Period:
    period, error = requested_period(request)
    if period is None:
        raise HTTPBadRequest(error)
    return period


# --- the site -----------------------------------------------------------------


@view_config(route_name="stats.site", renderer="plugins.stats:templates/site_stats.html", permission="site-admin")
def site_stats(request):
    site_id, dbsession = request.site.id, request.dbsession
    period, error = requested_period(request)
    values = {
        **period_form(request, period, error),
        "storage": latest_measure(dbsession, site_id),
        "fmt": formatting,
        "measuring": "measuring" in request.params,
    }
    if period is None:
        request.response.status = 400
        return values
    uploads = upload_days(dbsession, site_id, period)
    hours_unit = lambda value: formatting.hours(request, value * 3600)  # noqa: E731
    charts = [
        daily_chart(
            request,
            "uploads-chart",
            request.translate("Videos uploaded per day"),
            period,
            [(row.day, row.videos) for row in uploads],
        ),
        daily_chart(
            request,
            "hours-chart",
            request.translate("Hours of video uploaded per day"),
            period,
            [(row.day, round(row.hours, 2)) for row in uploads],
            hours_unit,
        ),
    ]
    views, watch_seconds = site_totals(dbsession, site_id, period)
    figures = [
        (request.translate("Videos uploaded"), formatting.number(request, sum(row.videos for row in uploads))),
        (
            request.translate("Hours of video uploaded"),
            formatting.hours(request, sum(row.hours for row in uploads) * 3600),
        ),
        (request.translate("Views"), formatting.number(request, views)),
        (request.translate("Watch time"), formatting.duration(request, watch_seconds)),
    ]
    return {
        **values,
        "uploads": uploads,
        "charts": charts,
        "figures": figures,
        "top": top_videos(dbsession, site_id, period),
    }


@view_config(route_name="stats.site.csv", permission="site-admin")
def site_stats_csv(request):
    table, site_id, dbsession = request.matchdict["table"], request.site.id, request.dbsession
    if table == "storage":
        return storage_csv(request)
    period = csv_period(request)
    name = f"{request.site.slug}-{table}-{period.start}-{period.end}.csv"
    if table == "uploads":
        rows = [
            (row.day.isoformat(), row.videos, round(row.hours, 3)) for row in upload_days(dbsession, site_id, period)
        ]
        return csv_response(name, ["date", "videos", "hours"], rows)
    rows = [
        (
            rank,
            row.video_id,
            row.title,
            request.route_url("video", video_id=row.video_id),
            row.views,
            round(row.watch_seconds),
        )
        for rank, row in enumerate(top_videos(dbsession, site_id, period), start=1)
    ]
    return csv_response(name, ["rank", "video_id", "title", "url", "views", "watch_seconds"], rows)


def storage_csv(request):
    """The latest measure of the site's storage, one row per part (empty before the first measure)."""
    measure = latest_measure(request.dbsession, request.site.id)
    rows = []
    if measure is not None:
        at = measure.measured_at.isoformat(timespec="seconds")
        rows = [(part, getattr(measure, part), at) for part in PARTS] + [("total", measure.total, at)]
    return csv_response(f"{request.site.slug}-storage-{counting.today()}.csv", ["part", "bytes", "measured_at"], rows)


@view_config(route_name="stats.storage.measure", request_method="POST", permission="site-admin")
def measure_storage(request):
    """Walk the site's storage again (in the worker, once this request commits)."""
    measure_after_commit(request)
    return HTTPFound(request.route_url("stats.site", _query={"measuring": 1}, _anchor="storage-title"))
