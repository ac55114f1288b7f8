"""The stats plugin: views once per viewer per day, watch time, the pages, their CSV, their access rules."""

import csv
import io
import os
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.access.users import create_user
from core.catalogue.tracks import save_track
from core.models import Video
from core.platform.tasks import worker_request
from plugins.stats import counting
from plugins.stats.models import DailyViewer, StorageMeasure, VideoDay
from plugins.stats.storage_use import PARTS, measure_site
from tests.mediafiles import make_clip
from tests.standin import upload

TODAY = date(2026, 11, 20)
PASSWORD = "a long password 1"


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    """Pin the stats plugin's "today"; ``fixed_day(d)`` moves it."""

    def move(day):
        monkeypatch.setattr(counting, "today", lambda: day)

    move(TODAY)
    return move


@pytest.fixture
def people(site, make_user):
    return {
        role: make_user(
            site,
            role,
            role={"owner": "staff", "coowner": "staff", "other": "user", "admin": "site-admin"}[role],
            password=PASSWORD,
        )
        for role in ("owner", "coowner", "other", "admin")
    }


@pytest.fixture
def video(site, people, make_video):
    video = make_video(site, people["owner"], "Amphi 1", status="ready", access="public", duration=600.0)
    video.additional_owners.append(people["coowner"])
    return video


def browser(make_testapp, host="a.test", address="192.0.2.10", user=None):
    app = make_testapp(host)
    app.extra_environ["REMOTE_ADDR"] = address
    if user is not None:
        app.sign_in(user, PASSWORD)
    return app


def day_totals(dbsession, video, day=TODAY):
    row = dbsession.execute(
        select(VideoDay.views, VideoDay.watch_seconds).where(VideoDay.video_id == video.id, VideoDay.day == day)
    ).first()
    return (row.views, row.watch_seconds) if row else (0, 0.0)


# --- counting -------------------------------------------------------------------


def test_a_viewer_counts_once_per_video_per_day(video, make_testapp, dbsession, fixed_day):
    first = browser(make_testapp)
    first.get(f"/videos/{video.id}")
    first.get(f"/videos/{video.id}")
    first.get(f"/videos/{video.id}/embed")  # the same person through the embed
    assert day_totals(dbsession, video) == (1, 0.0)

    browser(make_testapp, address="192.0.2.99").get(f"/videos/{video.id}")
    assert day_totals(dbsession, video)[0] == 2
    other_browser = make_testapp()  # same address, another browser
    other_browser.get(f"/videos/{video.id}", headers={"User-Agent": "Another browser"})
    assert day_totals(dbsession, video)[0] == 3

    fixed_day(TODAY + timedelta(days=1))
    first.get(f"/videos/{video.id}")
    assert day_totals(dbsession, video, TODAY + timedelta(days=1))[0] == 1
    assert day_totals(dbsession, video)[0] == 3
    # Yesterday's viewer hashes are gone: only today's one is kept, and it holds no address.
    hashes = dbsession.scalars(select(DailyViewer.viewer_hash).where(DailyViewer.video_id == video.id)).all()
    assert dbsession.scalars(select(DailyViewer.day).where(DailyViewer.video_id == video.id)).all() == [
        TODAY + timedelta(days=1)
    ]
    assert len(hashes) == 1 and re.fullmatch(r"[0-9a-f]{64}", hashes[0]) and "192.0.2" not in hashes[0]


def test_a_signed_in_viewer_counts_once_wherever_they_are(video, make_testapp, dbsession, people):
    browser(make_testapp, user="other").get(f"/videos/{video.id}")
    browser(make_testapp, address="198.51.100.7", user="other").get(f"/videos/{video.id}")
    assert day_totals(dbsession, video)[0] == 1
    browser(make_testapp, user="admin").get(f"/videos/{video.id}")
    assert day_totals(dbsession, video)[0] == 2


def test_only_ready_videos_and_page_views_count(site, people, make_video, make_testapp, dbsession):
    processing = make_video(site, people["owner"], "Not yet", status="processing", access="public")
    owner = browser(make_testapp, user="owner")
    owner.get(f"/videos/{processing.id}")
    assert day_totals(dbsession, processing) == (0, 0.0)
    draft = make_video(site, people["owner"], "Draft", status="ready", access="draft")
    browser(make_testapp).get(f"/videos/{draft.id}", status=404)
    assert day_totals(dbsession, draft) == (0, 0.0)


def report(app, video, status=200, **body):
    """A player's report: a signed-in browser sends its session's CSRF token, an anonymous one has none."""
    signed_in = "amphi_session" in app.cookies
    headers = {"X-CSRF-Token": app.csrf_token(f"/videos/{video.id}")} if signed_in else {}
    return app.post_json(f"/api/videos/{video.id}/position", body, headers=headers, status=status)


def test_watch_time_adds_up_for_anonymous_and_signed_in_viewers(video, make_testapp, dbsession):
    anonymous = browser(make_testapp)
    assert report(anonymous, video, position=12, watched=12.5).json == {"position": 12.0}
    report(anonymous, video, position=20, watched=7.5)
    signed_in = browser(make_testapp, user="other")
    report(signed_in, video, position=30, watched=10)
    assert day_totals(dbsession, video)[1] == 30.0
    report(signed_in, video, position=31, watched=100000)  # one report claims at most 300 s
    report(signed_in, video, position=31, watched=-5)
    report(signed_in, video, position=31)  # position only: nothing watched
    assert day_totals(dbsession, video)[1] == 330.0
    report(signed_in, video, position=31, watched="a while", status=400)
    signed_in.post_json(f"/api/videos/{video.id}/position", {"position": 1, "watched": 5}, status=400)  # no CSRF
    anonymous.post_json(
        f"/api/videos/{video.id}/position",
        {"position": 1, "watched": 5},
        status=400,
        headers={"Sec-Fetch-Site": "cross-site"},
    )  # another site's page
    anonymous.post(
        f"/api/videos/{video.id}/position", '{"position": 1, "watched": 5}', status=400, content_type="text/plain"
    )  # what another site's form could send
    assert day_totals(dbsession, video)[1] == 330.0


def test_a_short_video_cannot_collect_more_than_its_length_per_report(
    site, people, make_video, make_testapp, dbsession
):
    short = make_video(site, people["owner"], "Short", status="ready", access="public", duration=20.0)
    report(browser(make_testapp), short, position=5, watched=250)
    assert day_totals(dbsession, short)[1] == 20.0


# --- access ----------------------------------------------------------------------

SITE_URLS = ["/stats", "/stats/uploads.csv", "/stats/top.csv", "/stats/storage.csv"]


def video_urls(video):
    return [f"/videos/{video.id}/stats", f"/videos/{video.id}/stats.csv"]


def test_only_owners_and_admins_see_a_videos_stats(video, make_testapp):
    anonymous = make_testapp()
    for url in video_urls(video):
        assert "/login" in anonymous.get(url, status=302).location
    other = browser(make_testapp, user="other")
    for url in video_urls(video):
        other.get(url, status=403)
    for who in ("owner", "coowner", "admin"):
        signed_in = browser(make_testapp, user=who)
        for url in video_urls(video):
            signed_in.get(url, status=200)


def test_the_stats_of_a_video_nobody_else_may_see_are_not_found(site, people, make_video, make_testapp):
    draft = make_video(site, people["owner"], "Draft", status="ready", access="draft")
    other = browser(make_testapp, user="other")
    for url in video_urls(draft) + ["/videos/999999/stats"]:
        other.get(url, status=404)
    browser(make_testapp, user="owner").get(video_urls(draft)[0], status=200)


def test_only_site_admins_see_the_site_stats(video, make_testapp):
    anonymous = make_testapp()
    for url in SITE_URLS:
        assert "/login" in anonymous.get(url, status=302).location
    for who in ("other", "owner"):
        signed_in = browser(make_testapp, user=who)
        for url in SITE_URLS:
            signed_in.get(url, status=403)
    admin = browser(make_testapp, user="admin")
    for url in SITE_URLS:
        admin.get(url, status=200)


def test_an_admin_of_another_site_sees_nothing_of_this_one(video, make_site, make_user, make_testapp, dbsession):
    make_user(make_site("b"), "badmin", role="site-admin", password=PASSWORD)
    browser(make_testapp, user="other").get(f"/videos/{video.id}")  # a view on site A
    admin_b = browser(make_testapp, host="b.test", user="badmin")
    for url in video_urls(video):
        admin_b.get(url, status=404)
    page = admin_b.get("/stats")
    assert "Amphi 1" not in page.text and "No video was viewed in this period." in page.text
    assert "Amphi 1" not in admin_b.get("/stats/top.csv").text
    # Nor can they sign in on site A: an account of B is nobody there.
    make_testapp("a.test").sign_in("badmin", PASSWORD, status=401)


def test_plugin_disabled_on_a_site_is_silent(make_site, make_user, make_video, make_testapp, dbsession):
    site = make_site("c", plugins=["auth_local"])
    owner = make_user(site, "owner", role="site-admin", password=PASSWORD)
    video = make_video(site, owner, "Quiet", status="ready", access="public", duration=60.0)
    admin = browser(make_testapp, host="c.test", user="owner")
    page = admin.get(f"/videos/{video.id}")
    assert "Statistics" not in page.text  # neither the nav item nor the panel
    report(admin, video, position=5, watched=5)
    assert dbsession.scalar(select(func.count()).select_from(VideoDay).where(VideoDay.video_id == video.id)) == 0
    assert dbsession.scalar(select(func.count()).select_from(DailyViewer).where(DailyViewer.video_id == video.id)) == 0
    for url in SITE_URLS + video_urls(video):
        admin.get(url, status=404)


def test_nav_item_for_admins_and_panel_for_owners(video, make_testapp):
    admin_page = browser(make_testapp, user="admin").get("/")
    assert 'href="http://a.test/stats"' in admin_page.text
    owner_page = browser(make_testapp, user="owner").get(f"/videos/{video.id}")
    assert 'href="http://a.test/stats"' not in owner_page.text
    assert f'href="http://a.test/videos/{video.id}/stats"' in owner_page.text
    assert "Views: 1" in owner_page.text  # the owner's own visit counts
    other_page = browser(make_testapp, user="other").get(f"/videos/{video.id}")
    assert "/stats" not in other_page.text


# --- pages, charts and CSV -----------------------------------------------------------


def add_day(dbsession, video, day, views, seconds=0.0):
    dbsession.add(VideoDay(video_id=video.id, site_id=video.site_id, day=day, views=views, watch_seconds=seconds))
    dbsession.flush()


def chart_bars(svg):
    found = []
    for match in re.finditer(r'<rect class="bar"[^>]*>', svg):
        tag = match.group(0)
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        found.append((attrs["data-day"], float(attrs["data-value"]), float(attrs["height"])))
    return found


def test_the_video_chart_draws_the_views_of_each_day(video, make_testapp, dbsession):
    add_day(dbsession, video, TODAY - timedelta(days=2), 3, 90.0)
    add_day(dbsession, video, TODAY, 1, 30.0)
    add_day(dbsession, video, TODAY - timedelta(days=40), 5)  # outside the period
    page = browser(make_testapp, user="owner").get(
        f"/videos/{video.id}/stats", {"start": (TODAY - timedelta(days=3)).isoformat(), "end": TODAY.isoformat()}
    )
    drawn = chart_bars(page.text.split('data-chart="views-chart"')[1].split("</svg>")[0])
    assert [(d, v) for d, v, _ in drawn] == [("2026-11-17", 0), ("2026-11-18", 3), ("2026-11-19", 0), ("2026-11-20", 1)]
    heights = [h for _, _, h in drawn]
    assert heights[0] == 0 and heights[1] == pytest.approx(3 * heights[3])  # proportional to the values
    assert '<title id="views-chart-title">Views per day</title>' in page.text
    assert "From 2026-11-17 to 2026-11-20: 4 in all. The highest: 3 on 2026-11-18." in page.text
    assert '<dd data-total="period-views">4</dd>' in page.text and '<dd data-total="all-views">9</dd>' in page.text
    assert '<th scope="row">2026-11-18</th><td>3</td>' in page.text  # the table alternative


def test_the_video_csv(video, make_testapp, dbsession):
    add_day(dbsession, video, TODAY - timedelta(days=1), 2, 61.4)
    response = browser(make_testapp, user="coowner").get(
        f"/videos/{video.id}/stats.csv", {"start": (TODAY - timedelta(days=1)).isoformat(), "end": TODAY.isoformat()}
    )
    assert response.content_type == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="video-{video.id}-views-2026-11-19-2026-11-20.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows == [["date", "views", "watch_seconds"], ["2026-11-19", "2", "61"], ["2026-11-20", "0", "0"]]


def test_site_charts_count_uploads_and_hours_per_day(site, people, make_video, make_testapp):
    for day, duration in ((TODAY - timedelta(days=1), 1800.0), (TODAY - timedelta(days=1), 5400.0), (TODAY, None)):
        created = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=23, minutes=59)
        make_video(site, people["owner"], f"Upload {day}", duration=duration, created_at=created)
    period = {"start": (TODAY - timedelta(days=2)).isoformat(), "end": TODAY.isoformat()}
    admin = browser(make_testapp, user="admin")
    page = admin.get("/stats", period)
    uploads = chart_bars(page.text.split('data-chart="uploads-chart"')[1].split("</svg>")[0])
    assert [(d, v) for d, v, _ in uploads] == [("2026-11-18", 0), ("2026-11-19", 2), ("2026-11-20", 1)]
    hours = chart_bars(page.text.split('data-chart="hours-chart"')[1].split("</svg>")[0])
    assert [(d, v) for d, v, _ in hours] == [("2026-11-18", 0), ("2026-11-19", 2.0), ("2026-11-20", 0)]
    figures = {d.dt.text: d.dd.text for d in page.html.select("dl.figures > div")}  # at a glance, with units
    assert figures["Videos uploaded"] == "3" and figures["Hours of video uploaded"] == "2 hr"
    assert figures["Views"] == "0" and figures["Watch time"] == "0 sec"
    rows = list(csv.reader(io.StringIO(admin.get("/stats/uploads.csv", period).body.decode("utf-8-sig"))))
    assert rows == [
        ["date", "videos", "hours"],
        ["2026-11-18", "0", "0.0"],
        ["2026-11-19", "2", "2.0"],
        ["2026-11-20", "1", "0.0"],
    ]


def test_top_videos_and_csv_escaping(site, people, make_video, make_testapp, dbsession):
    titles = ['=HYPERLINK("http://evil.example","click")', "+1 lecture", "-2 lecture", "@SUM(A1)", 'Plain, "quoted"']
    for views, title in enumerate(titles, start=1):
        add_day(
            dbsession,
            make_video(site, people["owner"], title, status="ready", access="public"),
            TODAY,
            views,
            views * 60.0,
        )
    admin = browser(make_testapp, user="admin")
    page = admin.get("/stats")
    assert page.text.index("Plain, &#34;quoted&#34;") < page.text.index("@SUM(A1)")  # most viewed first
    response = admin.get("/stats/top.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="a-top-')
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0] == ["rank", "video_id", "title", "url", "views", "watch_seconds"]
    assert [row[2] for row in rows[1:]] == [
        'Plain, "quoted"',
        "'@SUM(A1)",
        "'-2 lecture",
        "'+1 lecture",
        '\'=HYPERLINK("http://evil.example","click")',
    ]
    assert [row[4] for row in rows[1:]] == ["5", "4", "3", "2", "1"]
    assert rows[1][3].startswith("http://a.test/videos/")


def committed_admin(site_id):
    """A site admin of a committed site (deleted with it), signed in by the caller."""
    with worker_request(site_id) as request:
        create_user(request, "storage-admin", role="site-admin", password=PASSWORD)
        return request.site.domains[0].domain


def bytes_on_disk(app, site_id) -> dict:
    """What ``du -b`` would say of the site's media folder, per top folder of each video."""
    root = os.path.join(app.registry.settings["amphi.var_dir"], "media", "sites", str(site_id))
    sizes = {"total": 0, "segments": 0}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            size = os.path.getsize(os.path.join(folder, name))
            sizes["total"] += size
            sizes["segments"] += size if name.endswith((".m4s", ".ts")) else 0
    return sizes


def shown_bytes(page) -> dict:
    return {part: int(n) for n, part in re.findall(r'data-bytes="(\d+)" data-part="(\w+)"', page.text)}


def test_the_storage_figure_counts_every_byte_on_disk(app, committed_site, fast_pipeline, make_testapp, tmp_path):
    """A real encoded video: originals, every rendition and its segments, thumbnails, a track,
    an upload in progress, a plugin's file; the figure equals the bytes in the site's folder."""
    site_id, user_id = committed_site
    clip = make_clip(tmp_path, "lecture.mp4", seconds=4, size="320x240")
    video_id = upload(site_id, user_id, content=clip.read_bytes(), filename="lecture.mp4")
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        assert video.status == "ready"
        recorded_outputs = sum(f.size for f in video.files if f.kind != "source")
        save_track(
            request,
            video,
            "WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n",
            kind="captions",
            language="fr",
            plugin="subtitles",
        )
        request.storage.save(f"sites/{site_id}/uploads/{'e' * 32}", io.BytesIO(b"u" * 1234))
        request.storage.save(f"sites/{site_id}/channels/1/banner-x", io.BytesIO(b"b" * 99))
    measure_site(site_id)
    admin = make_testapp(committed_admin(site_id))
    admin.sign_in("storage-admin", PASSWORD)
    shown, disk = shown_bytes(admin.get("/stats")), bytes_on_disk(app, site_id)
    assert shown["total"] == disk["total"] == sum(shown[part] for part in PARTS)
    assert shown["originals"] == len(clip.read_bytes())
    assert shown["outputs"] > recorded_outputs + disk["segments"] // 2 and disk["segments"] > 0
    assert shown["uploads"] == 1234 and shown["other"] == 99 and shown["tracks"] > 0
    page = admin.get("/stats")
    shares = [row.find_all("td")[1].text.strip() for row in page.html.select("table.storage-use tbody tr")[:-1]]
    assert all(share.endswith(" %") for share in shares) and page.html.select(".share-bar")
    assert "Storage used" in page.html.select_one("dl.figures").text
    rows = list(csv.reader(io.StringIO(admin.get("/stats/storage.csv").body.decode("utf-8-sig"))))
    assert rows[0] == ["part", "bytes", "measured_at"]
    assert [(row[0], int(row[1])) for row in rows[1:]] == [(part, shown[part]) for part in (*PARTS, "total")]


def test_the_storage_page_before_a_measure_and_the_measure_button(people, make_testapp, dbsession, site):
    admin = browser(make_testapp, user="admin")
    page = admin.get("/stats")
    assert "has not been measured yet" in page.text and "data-bytes" not in page.text
    assert list(csv.reader(io.StringIO(admin.get("/stats/storage.csv").body.decode("utf-8-sig")))) == [
        ["part", "bytes", "measured_at"]
    ]
    form = page.forms[[f.action for f in page.forms.values()].index("http://a.test/stats/storage/measure")]
    done = form.submit().follow()
    assert "The storage is being measured" in done.text
    dbsession.add(
        StorageMeasure(
            site_id=site.id, originals=3_000_000_000, outputs=1_500_000, tracks=0, uploads=400, other=0, files=3
        )
    )
    dbsession.flush()
    page = admin.get("/stats")
    assert 'data-bytes="3001500400" data-part="total">3 GB</td>' in page.text and "3 files in all." in page.text
    assert "3\u202fGo" in admin.get("/stats", {"_LOCALE_": "fr"}).text
    owner = browser(make_testapp, user="owner")
    owner.post("/stats/storage/measure", {"csrf_token": owner.csrf_token("/")}, status=403)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "yesterday"}, "Write dates as YYYY-MM-DD"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "The start date must not be after the end date."),
        ({"start": "2020-01-01", "end": "2026-11-01"}, "Choose a period of at most 731 days."),
        ({"end": "2026-12-01"}, "The period cannot end after today (2026-11-20)."),
    ],
)
def test_a_bad_period_is_refused_with_a_reason(video, make_testapp, query, message):
    admin = browser(make_testapp, user="admin")
    for url in ("/stats", f"/videos/{video.id}/stats"):
        page = admin.get(url, query, status=400)
        assert message in page.text and 'aria-invalid="true"' in page.text
    for url in ("/stats/top.csv", "/stats/uploads.csv", f"/videos/{video.id}/stats.csv"):
        assert message in admin.get(url, query, status=400).text


def test_the_default_period_is_the_last_30_days(video, make_testapp):
    page = browser(make_testapp, user="owner").get(f"/videos/{video.id}/stats")
    assert 'value="2026-10-22"' in page.text and 'value="2026-11-20"' in page.text
    assert len(chart_bars(page.text.split('data-chart="views-chart"')[1].split("</svg>")[0])) == 30


def test_the_pages_speak_french(video, make_testapp):
    admin = browser(make_testapp, user="admin")
    assert "Vues par jour" in admin.get(f"/videos/{video.id}/stats", {"_LOCALE_": "fr"}).text
    page = admin.get("/stats", {"_LOCALE_": "fr"})
    assert "Vidéos mises en ligne par jour" in page.text and "Statistiques" in page.text


def test_past_viewers_are_forgotten_once_a_day_per_process(committed_site, monkeypatch):
    from sqlalchemy import event

    site_id, _user_id = committed_site
    monkeypatch.setattr(counting, "_FORGOTTEN", {})
    deletes = []

    def forget(day, fail=False):
        with worker_request(site_id) as request:
            engine = request.dbsession.get_bind()

            def seen(conn, cursor, statement, *args):
                deletes.extend([day] if statement.startswith("DELETE FROM stats_daily_viewers") else [])

            event.listen(engine, "before_cursor_execute", seen)
            try:
                counting.forget_past_viewers(request, day)
                if fail:
                    raise RuntimeError("the request failed: nothing committed")
            finally:
                event.remove(engine, "before_cursor_execute", seen)

    today = date(2027, 3, 1)
    with pytest.raises(RuntimeError):
        forget(today, fail=True)
    forget(today)  # the failed one was not remembered: deleted again
    forget(today)
    forget(today + timedelta(days=1))
    forget(today + timedelta(days=1))
    assert deletes == [today, today, today + timedelta(days=1)]
