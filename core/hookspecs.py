"""Every hook of Amphi's plugin contract, documented where it is declared.

A plugin implements a hook by defining a function with the same name decorated
with :data:`core.hookimpl`. Always call hooks with keyword arguments. Hooks
marked *firstresult* stop at the first implementation that returns something
other than ``None``; the others return the list of every non-``None`` answer.

Per-site hooks are called through ``request.hooks`` (or
:func:`core.platform.sites.site_hooks` outside a request), so a plugin disabled on the
site is never called there. Assembly hooks are called once per application,
for every installed plugin.

Two ways to call a per-site hook, so that one failing plugin never breaks a
page: contributions (navigation, panels, badges, actions, feed links, home
blocks, search text and facets, sign-in methods...) are gathered with
:func:`core.platform.plugins.collect`, events (``amphi_video_*``, ``amphi_watch_progress``,
``amphi_user_signed_in``...) are sent with :func:`core.platform.plugins.fire`; each
skips and logs a plugin that raises. Decisions (``amphi_permits``) and
backends (*firstresult* hooks) are called directly: their errors must show.

Events fire inside the caller's transaction (the request's, or a worker's),
which may still be rolled back: an implementation may write to the database,
but one that talks to another system (a search server, an LRS, a BigBlueButton
server, mail) queues a task with :func:`core.platform.tasks.enqueue_after_commit`. The
task takes ids, opens its own transaction (:func:`core.platform.tasks.worker_request`)
and reads what was committed, so a rolled-back change never leaves the
platform and a slow or unreachable server never slows or breaks a page.


Each hook says which :data:`HOOKS_VERSION` added it (``.. versionadded::``).
Changing this file changes :data:`HOOKS_VERSION` (see ``CHANGELOG.md`` and the
compatibility policy in the documentation's "Writing a plugin"). The annotations name core types that are only
imported for type checkers, so that importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # the hooks' types, for readers and checkers
    from collections.abc import Sequence

    from pyramid.registry import Registry
    from pyramid.request import Request

    from core.access.security import LoginMethod, UrlGrant
    from core.catalogue.search import SearchQuery, SearchResults
    from core.models import Channel, Site, Theme, User, Video
    from core.notify.kinds import NotificationKind
    from core.ops.checks import Check, GaugeReading
    from core.pipeline.hls import HlsAudio
    from core.pipeline.jobs import JobContext, JobKind
    from core.pipeline.media import ComposeSource, EncodeResult, MediaInfo, ProgressCallback, Rung
    from core.pipeline.speech import Transcript
    from core.pipeline.storage import Storage
    from core.platform.commands import CliCommand
    from core.platform.settings import Setting
    from core.platform.ui import Badge, FeedLink, HomeBlock, NavItem, Panel, PlayerTrack

#: The version of the hook contract, semantic: a new hook or a new optional
#: argument is a minor bump; a removed or changed hook, argument or return value
#: a major bump. Plugins declare the versions they support with ``AMPHI_HOOKS``.
HOOKS_VERSION = "2.5.0"

#: Hooks that the core calls but no built-in plugin implements: they serve
#: third-party plugins (a ``REMOTE_USER`` sign-in, a sign-in audit, a group
#: directory, a captioning service, facets of a plugin's own data, a failure
#: notice...). The test suite calls each through a test plugin.
THIRD_PARTY_HOOKS = frozenset(
    {
        "amphi_identify",
        "amphi_user_signed_in",
        "amphi_user_groups",
        "amphi_player_tracks",
        "amphi_search_facets",
        "amphi_video_failed",
        "amphi_readiness_checks",
    }
)

hookspec = pluggy.HookspecMarker("amphi")


# --- assembly (application level, every installed plugin) ------------------


@hookspec
def amphi_settings() -> list[Setting]:
    """Declare the plugin's settings, once: type, default, one-line doc (``label``), per site or not.

    Called once at start-up. Each setting lives in the ini file under
    ``amphi.<plugin>.<key>`` and a site may override the ``site_editable`` ones;
    the site-admin page builds its form from these declarations and validates
    overrides against them, and the docs' settings reference is generated from
    them. The plugin reads ``request.plugin_settings(NAME)[key]`` (typed, the
    default applied); a key it does not declare raises
    :class:`core.platform.settings.UndeclaredSetting`.

    .. versionadded:: 1.0.0

    :return: a list of :class:`core.platform.settings.Setting`.
    """


@hookspec
def amphi_job_handlers() -> dict[str, JobKind]:
    """Name the kinds of pipeline jobs this plugin runs (``transcribe``...).

    Called when a worker starts a job. Every kind, the core's ``encode`` and
    ``compose`` included, runs in the job skeleton (:mod:`core.pipeline.jobs`): its
    :class:`core.pipeline.jobs.JobKind` reads plain values in a short transaction, works
    with no transaction open in a private scratch folder (``progress(fraction)``
    returning False means: cancelled, stop), and publishes in one transaction in
    which the skeleton marks the job done. Raise :class:`core.pipeline.media.MediaError`
    for a failure the owner should read. Jobs are queued with
    :func:`core.pipeline.queue_job`.

    .. versionadded:: 1.0.0
    .. versionchanged:: 2.0.0
       Answers :class:`core.pipeline.jobs.JobKind` objects (read, work, publish) instead of functions.

    :return: a dict ``{kind: JobKind}``.
    """


@hookspec
def amphi_serve_processes(registry: Registry, config_path: str) -> list[tuple[str, list[str]]]:
    """Name the long-running processes ``amphi serve`` supervises beside its web processes.

    Called once when ``amphi serve`` starts (not in tests' WSGI apps nor in ``amphi worker``). Each
    process is started once (however many web processes serve), restarted with a back-off when it
    dies, stopped with ``amphi serve`` and killed if it is killed: for work that must not hold a
    web thread, such as the chat's hub of long-lived subscriptions. Pass ``--parent-pid`` or similar
    to a process that should also die with its parent (:func:`core.plugin_api.arm_parent_death_signal`).

    .. versionadded:: 2.2.0

    :param registry: the application's registry (its settings: ``core.plugin_api.plugin_settings(registry, None, NAME)``).
    :param config_path: the ini file ``amphi serve`` was started with.
    :return: a list of ``(name, argv)``: a name for the logs and the command to run.
    """


@hookspec
def amphi_cli_commands() -> list[CliCommand]:
    """Add commands to the ``amphi`` command line: ``amphi <plugin> <name> ...`` (``amphi live nginx-config``).

    Called when the command line is built, for every installed plugin, before any configuration is
    read (so it must be cheap and read no settings). Each :class:`core.platform.commands.CliCommand`
    runs in the application configured by ``-c`` (the plugin must be loaded there), inside a
    transaction.

    .. versionadded:: 2.2.0

    :return: a list of :class:`core.platform.commands.CliCommand`.
    """


# --- operations (application level, every installed plugin) ----------------


@hookspec
def amphi_readiness_checks(registry: Registry) -> list[Check]:
    """Add checks to ``/readyz``: what this plugin needs to serve (a server it talks to on every request).

    Called at every ``/readyz`` request, beside the core's checks (database, task queue, each site's
    storage). Each :class:`core.plugin_api.Check` runs in a thread of its own and fails when its
    ``run()`` returns a sentence (what is wrong), raises, or takes more than 5 seconds; one failing
    check makes ``/readyz`` answer 503, naming it ``<plugin>: <name>``. Keep checks cheap (a ping):
    load balancers call ``/readyz`` every few seconds. A server only some pages need is not a
    readiness check (a page should degrade without it): make it an ``amphi_doctor_checks`` check.

    .. versionadded:: 2.4.0

    :param registry: the application's registry (its settings, ``registry["dbsession_factory"]``).
    :return: a list of :class:`core.plugin_api.Check`.
    """


@hookspec
def amphi_doctor_checks(registry: Registry) -> list[Check]:
    """Add checks to ``amphi doctor``: what in this plugin's configuration could be wrong.

    Called once by ``amphi doctor``, after the core's checks. Each :class:`core.plugin_api.Check`'s
    ``run()`` returns None when all is well, or a sentence an administrator can act on ("the Solr core
    at http://... does not answer: connection refused; is Solr running?"); an exception counts as a
    problem, its message the reason. A problem makes ``amphi doctor`` exit with status 1.

    .. versionadded:: 2.4.0

    :param registry: the application's registry (its settings, ``registry["dbsession_factory"]``).
    :return: a list of :class:`core.plugin_api.Check`.
    """


@hookspec
def amphi_metrics(registry: Registry) -> list[GaugeReading]:
    """Report gauges at ``/metrics`` (live viewers...), read when Prometheus scrapes.

    Called at each scrape of ``/metrics`` (when ``amphi.metrics.enabled``), in the web process that
    answers: report figures every process shares (the database, Redis), not one process's memory.
    Name them ``amphi_<plugin>_<what>``; readings of one name form one gauge and must have the same
    label names. A plugin that raises is logged and left out of that scrape.

    .. versionadded:: 2.4.0

    :param registry: the application's registry.
    :return: a list of :class:`core.plugin_api.GaugeReading`.
    """


# --- identity --------------------------------------------------------------


@hookspec
def amphi_login_methods(request: Request) -> list[LoginMethod]:
    """List the ways to sign in that this plugin offers on the request's site.

    Called when the sign-in page renders.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :return: a list of :class:`core.access.security.LoginMethod`.
    """


@hookspec(firstresult=True)
def amphi_identify(request: Request) -> User | None:
    """Identify the request's user without a session (headers, tokens...).

    Called only when the session holds no signed-in user and the request
    carries no API token. A user of another site, or a disabled one, is
    ignored: the request stays anonymous. While any installed plugin
    implements this hook, the page cache (:mod:`core.pagecache`) asks it
    before serving a stored page to a visitor without a session cookie.
    Stops at first non-None result.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :return: a :class:`core.models.User` of the request's site, or ``None``.
    """


@hookspec(firstresult=True)
def amphi_url_grant(request: Request, token: str) -> UrlGrant | None:
    """Identify a viewer from a grant carried in the URL, for a frame that has no cookie.

    A page framed by another site (an LMS) gets no session cookie where the browser blocks
    third-party cookies. A plugin that opened such a frame (an LTI launch) sends it to the video's
    embed page with ``?grant=<token>``; the core asks this hook for the token's viewer and video,
    then carries the same token in every URL that page links for that viewer (its media, subtitles,
    thumbnails, ``/media/g/<token>/...``, and the position reports, ``?grant=``). Called only when
    the request has no signed-in session and no API token. The grant opens nothing else: a request
    it identifies is refused (403) on any other route than the embed page, the media and the position
    of the video it names (:data:`core.access.security.GRANT_ROUTES`), and on another video. A viewer
    of another site, or a disabled one, is ignored. Stops at first non-None result.

    .. versionadded:: 2.4.0

    :param request: the current request (not routed yet: read nothing but the token).
    :param token: the grant as it came in the URL (untrusted: check its signature and expiry).
    :return: a :class:`core.access.security.UrlGrant` (the viewer and the video), or ``None``.
    """


@hookspec
def amphi_user_attributes(
    request: Request, user: User, attributes: Mapping[str, list[str]]
) -> dict[str, list[str]] | None:
    """Add what this plugin knows of a user who is signing in (a directory lookup...).

    Called by :func:`core.access.security.sign_in` for every sign-in method, before the
    profile is refreshed and the site's identity rules grant roles and groups
    (see :mod:`core.access.identity`). A plugin that cannot answer (its server is down)
    logs it and returns ``None``: the sign-in goes on with what is known.

    .. versionadded:: 1.1.0

    :param request: the current request.
    :param user: the :class:`core.models.User` signing in.
    :param attributes: ``{name: [values]}`` said so far (read-only).
    :return: ``{name: [values]}`` to add, or ``None``.
    """


@hookspec
def amphi_user_signed_in(request: Request, user: User, attributes: Mapping[str, list[str]]) -> None:
    """React to a sign-in (record it, tell another system...).

    Called by :func:`core.access.security.sign_in` after the session is renewed, the
    profile refreshed and the site's identity rules applied
    (:mod:`core.access.identity`), for whichever method signed the user in. To add
    attributes before the rules apply, implement ``amphi_user_attributes``.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :param user: the :class:`core.models.User` who signed in.
    :param attributes: ``{name: [values]}``: what the identity provider said
        of the user, completed by ``amphi_user_attributes`` (read-only).
    :return: ignored.
    """


@hookspec
def amphi_user_signed_out(request: Request, user: User) -> str | None:
    """React to a sign-out, before the session is cleared.

    Called by :func:`core.access.security.sign_out`.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :param user: the :class:`core.models.User` signing out.
    :return: a URL to send the browser to (single logout), or ``None``. The
        first URL returned wins.
    """


@hookspec
def amphi_user_groups(user: User) -> Iterable[str]:
    """Name the groups a user belongs to beyond the stored memberships.

    Called whenever the core checks a user's groups (access to a video
    restricted to groups, a group's member list).

    .. versionadded:: 1.0.0

    :param user: a :class:`core.models.User`.
    :return: names of groups of the user's site (a list or a set).
    """


@hookspec(firstresult=True)
def amphi_set_password(request: Request, user: User, password: str) -> bool | None:
    """Store a password for a local sign-in method.

    Called by ``amphi init``, ``amphi user add`` and the user-admin page.
    Stops at first non-None result.

    .. versionadded:: 1.0.0

    :param request: a request (possibly a bootstrap one) of the user's site.
    :param user: the :class:`core.models.User`.
    :param password: the clear-text password.
    :return: ``True`` when a plugin stored it.
    """


# --- access ----------------------------------------------------------------


@hookspec
def amphi_permits(request: Request, video: Video, permission: str) -> bool | None:
    """Take part in deciding whether the request may act on a video.

    Called after the core's own rules (owner, site admin, access level). A
    ``False`` from any plugin denies; a ``True`` grants when no one denies;
    ``None`` abstains.

    A plugin that never answers ``False`` says so with a module attribute
    ``AMPHI_PERMITS_NEVER_DENIES = True``: searches then keep counting and
    paging in the database (:func:`core.catalogue.listing.plugins_may_deny`).

    Pages rendered for anonymous visitors are served again to the next ones
    (:mod:`core.pagecache`): an answer for an anonymous request that depends on
    more than the URL and the language (the client's address...) must call
    :func:`core.pagecache.no_cache`.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :param video: the :class:`core.models.Video`.
    :param permission: ``"view"``, ``"edit"`` or ``"delete"``.
    :return: ``True``, ``False`` or ``None``.
    """


# --- storage ---------------------------------------------------------------


@hookspec(firstresult=True)
def amphi_storage(registry: Registry, site: Site) -> Storage | None:
    """Return the storage backend of a site.

    Called whenever the core reads or writes media. Keys, never paths, are
    stored in the database; see :class:`core.pipeline.storage.Storage` for the methods
    a backend provides.
    Stops at first non-None result.

    .. versionadded:: 1.0.0

    :param registry: the application registry (``registry.settings``).
    :param site: the :class:`core.models.Site`.
    :return: a :class:`core.pipeline.storage.Storage`.
    """


# --- media -----------------------------------------------------------------


@hookspec(firstresult=True)
def amphi_probe(path: str) -> MediaInfo | None:
    """Describe a media file.

    Called by the ``encode`` job before encoding, on a local file, with no
    transaction open. Stops at first non-None result.

    .. versionadded:: 1.0.0

    :param path: the local path of the file.
    :return: a :class:`core.pipeline.media.MediaInfo`; raise :class:`core.pipeline.media.MediaError`
        with a reason for the owner when the file is not usable media.
    """


@hookspec(firstresult=True)
def amphi_encoding_ladder(job: JobContext, info: MediaInfo) -> list[Rung] | None:
    """Choose the renditions to produce for a source.

    Called once per encode job, with no transaction open. A plugin marked
    ``tryfirst`` overrides the encoder's default ladder.
    Stops at first non-None result.

    .. versionadded:: 1.0.0
    .. versionchanged:: 2.0.0
       Receives the job's plain values (:class:`core.pipeline.jobs.JobContext`) instead of a request and the video.

    :param job: the :class:`core.pipeline.jobs.JobContext` (plain values: ids, params;
        ``job.plugin_settings(name)`` gives a plugin its settings on the video's site).
    :param info: the source's :class:`core.pipeline.media.MediaInfo`.
    :return: a list of :class:`core.pipeline.media.Rung` (empty for audio-only sources).
    """


@hookspec(firstresult=True)
def amphi_encode(
    job: JobContext, source: str, info: MediaInfo, ladder: Sequence[Rung], out: str, progress: ProgressCallback
) -> EncodeResult | None:
    """Encode a source into every output the platform serves.

    Writes HLS (master and variant playlists, segments), MP4 downloads, audio
    (m4a and MP3), thumbnails and a storyboard into the local folder ``out``.
    Called with no transaction open. Stops at first non-None result.

    .. versionadded:: 1.0.0
    .. versionchanged:: 2.0.0
       Receives the job's plain values (:class:`core.pipeline.jobs.JobContext`) instead of a request and the video.

    :param job: the :class:`core.pipeline.jobs.JobContext` (``job.id``, ``job.video_id``;
        ``job.plugin_settings(name)`` gives a plugin its settings on the video's site).
    :param source: the local path of the source file.
    :param info: the source's :class:`core.pipeline.media.MediaInfo`.
    :param ladder: the list of :class:`core.pipeline.media.Rung` to produce.
    :param out: an empty local folder to write into.
    :param progress: :data:`core.pipeline.media.ProgressCallback`; when it returns False,
        stop (kill the process) and raise :class:`core.pipeline.media.EncodeCancelled`.
    :return: a :class:`core.pipeline.media.EncodeResult`.
    """


@hookspec(firstresult=True)
def amphi_compose(
    job: JobContext, sources: Sequence[ComposeSource], layout: str, out: str, progress: ProgressCallback
) -> str | None:
    """Compose several recorded tracks (screen, camera) into one video file.

    Called by the ``compose`` job (:mod:`core.pipeline.composition`) in a worker, before the
    encode, for recordings ingested with several tracks or with trims
    (:func:`core.ingest.ingest_files`), with no transaction open. The result is only an
    intermediate source: it is encoded afterwards like any upload, so favour quality
    and speed over size. Stops at first non-None result.

    .. versionadded:: 1.4.0
    .. versionchanged:: 2.0.0
       Receives the job's plain values (:class:`core.pipeline.jobs.JobContext`) instead of a request and the video.

    :param job: the :class:`core.pipeline.jobs.JobContext` (plain values; ``job.plugin_settings(name)``
        gives a plugin its settings on the video's site).
    :param sources: a list of :class:`core.pipeline.media.ComposeSource` (local path, flavor such
        as ``presentation/source`` for a screen or ``presenter/source`` for a camera, and
        the part to keep in seconds: ``start``/``end``, ``None`` for no cut).
    :param layout: one of :data:`core.pipeline.media.LAYOUTS`: ``pip-<corner>`` puts the camera in
        that corner of the screen, ``side-by-side`` puts them next to each other. A single
        source is only cut.
    :param out: the local path of the file to write (Matroska: its name ends in ``.mkv``).
    :param progress: :data:`core.pipeline.media.ProgressCallback`; when it returns False, stop and
        raise :class:`core.pipeline.media.EncodeCancelled`.
    :return: ``out`` once written; raise :class:`core.pipeline.media.MediaError` with a reason for
        the owner when the tracks cannot be composed.
    """


@hookspec(firstresult=True)
def amphi_encode_audio_track(
    job: JobContext, source: str, duration: float, offset: float, out: str, progress: ProgressCallback
) -> HlsAudio | None:
    """Encode an audio track added to a ready video (an interpreter's voice, an audio description) as an
    HLS audio rendition of it.

    Called by the ``audio-track`` job (:mod:`core.pipeline.audio_tracks`) with no transaction open.
    The sound must be encoded like the video's own audio renditions (same codec, same segment length),
    start at the video's start (``offset`` applied) and last exactly ``duration`` (padded with silence
    or cut). Stops at first non-None result.

    .. versionadded:: 2.2.0

    :param job: the :class:`core.pipeline.jobs.JobContext` (``job.plugin_settings(name)``).
    :param source: the local path of the file whose first audio stream is the track.
    :param duration: the video's duration in seconds.
    :param offset: seconds into the video at which the file's sound starts (negative: that much of
        the file's start is dropped).
    :param out: an empty local folder: write ``index.m3u8`` (a VOD media playlist) and its segments there.
    :param progress: :data:`core.pipeline.media.ProgressCallback`; when it returns False, stop and
        raise :class:`core.pipeline.media.EncodeCancelled`.
    :return: a :class:`core.pipeline.hls.HlsAudio` whose ``uri`` is ``index.m3u8``, with its codec,
        channels and bitrates (the core sets its language and name); raise
        :class:`core.pipeline.media.MediaError` with a reason for the owner when the file has no sound.
    """


@hookspec(firstresult=True)
def amphi_replace_audio(job: JobContext, source: str, audio: str, out: str, progress: ProgressCallback) -> str | None:
    """Give a download of a video another sound: its default audio language changed.

    Called by the ``audio-downloads`` job (:mod:`core.pipeline.audio_tracks`) with no transaction open,
    once per download. Stops at first non-None result.

    .. versionadded:: 2.2.0

    :param job: the :class:`core.pipeline.jobs.JobContext` (``job.plugin_settings(name)``).
    :param source: the local path of the download as it is (an MP4 video, an M4A or MP3 sound).
    :param audio: the local path of the new sound: an HLS media playlist of the video's audio rendition.
    :param out: the local path to write, of the same kind as ``source`` (its extension says which): an
        MP4 with ``source``'s picture and the new sound, or the new sound alone.
    :param progress: :data:`core.pipeline.media.ProgressCallback`; when it returns False, stop and
        raise :class:`core.pipeline.media.EncodeCancelled`.
    :return: ``out`` once written.
    """


@hookspec(firstresult=True)
def amphi_card_image(source: str, out: str, width: int, height: int) -> bool | None:
    """Make the small image a video card shows from a poster (a resized JPEG copy).

    Called by the media view (:mod:`core.web.media`) the first time someone fetches a card
    image, on local files, with the request's transaction open but nothing written: be quick
    (one picture). Stops at first non-None result. Without an answer the card shows its
    placeholder.

    .. versionadded:: 2.1.0

    :param source: the local path of the poster (JPEG or PNG).
    :param out: the local path of the JPEG to write.
    :param width: the largest width of the image, in pixels.
    :param height: the largest height of the image, in pixels (the poster's aspect is kept).
    :return: True once ``out`` is written.
    """


# --- speech (per site) -----------------------------------------------------


@hookspec(firstresult=True)
def amphi_transcribe(job: JobContext, audio: str, language: str, progress: ProgressCallback) -> Transcript | None:
    """Recognise the speech of an audio file, with word timings.

    Called by a transcription job, with no transaction open. An engine without
    a model for ``language`` returns ``None`` so that another engine may answer.
    Stops at first non-None result.

    .. versionadded:: 1.3.0
    .. versionchanged:: 2.0.0
       Receives the job's plain values (:class:`core.pipeline.jobs.JobContext`) instead of a request and the video.

    :param job: the :class:`core.pipeline.jobs.JobContext` (plain values; ``job.plugin_settings(name)``
        gives a plugin its settings on the video's site).
    :param audio: the local path of a WAV file, 16 kHz, mono, signed 16-bit
        PCM (:data:`core.pipeline.speech.SAMPLE_RATE`).
    :param language: the two-letter code of the spoken language (``ko``, ``fr``).
    :param progress: :data:`core.pipeline.media.ProgressCallback`; when it returns
        False, stop and raise :class:`core.pipeline.media.EncodeCancelled`.
    :return: a :class:`core.pipeline.speech.Transcript` (words in order, and cues built
        with :func:`core.pipeline.speech.build_cues`); raise
        :class:`core.pipeline.media.MediaError` with a reason for the owner when the
        engine's model for the language cannot be used.
    """


# --- events (per site) -----------------------------------------------------


@hookspec
def amphi_video_created(request: Request, video: Video) -> None:
    """A video was created on the request's site (after the row exists).

    .. versionadded:: 1.0.0

    :param request: the current request (or a worker's bootstrap request).
    :param video: the :class:`core.models.Video`.
    :return: ignored.
    """


@hookspec
def amphi_video_ready(request: Request, video_id: int) -> None:
    """A video finished processing and its outputs are published.

    Fired by the ``encode`` job after its publication committed, in a
    transaction of its own.

    .. versionadded:: 1.0.0
    .. versionchanged:: 2.0.0
       Receives the video's id instead of the video.

    :param request: a worker request of the video's site (``request.dbsession``
        is open for this call).
    :param video_id: the id of the :class:`core.models.Video`; load it there.
    """


@hookspec
def amphi_video_failed(request: Request, video_id: int, reason: str) -> None:
    """Processing a video failed for good (retries exhausted or bad input).

    Not called when a later job of a ready video fails (a re-encode, a
    transcription): the video still plays; the job records the reason.

    .. versionadded:: 1.0.0
    .. versionchanged:: 2.0.0
       Receives the video's id instead of the video.

    :param request: a worker request of the video's site (``request.dbsession``
        is open for this call).
    :param video_id: the id of the :class:`core.models.Video`; load it there.
    :param reason: the reason shown to the owner.
    :return: ignored.
    """


@hookspec
def amphi_video_changed(request: Request, video: Video) -> None:
    """A video's metadata or access changed (or one of its text tracks).

    .. versionadded:: 1.0.0

    :param request: the current request.
    :param video: the :class:`core.models.Video`, as changed.
    :return: ignored.
    """


@hookspec
def amphi_video_deleted(request: Request, video: Video) -> None:
    """A video is being deleted (its row still exists).

    Called by :func:`core.catalogue.videos.delete_video` before the row and the media go.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :param video: the :class:`core.models.Video` about to be deleted.
    :return: ignored.
    """


@hookspec
def amphi_video_viewed(request: Request, video: Video) -> None:
    """A viewer opened a video's page or its embed page.

    Called by the core after the access check, on every page load (a reload
    calls it again: counting once per viewer is the implementation's job). It
    must stay cheap: it runs inside the page's request (an error is logged and
    skipped by :func:`core.platform.plugins.fire`, the page still shows).

    .. versionadded:: 1.1.0

    :param request: the current request (``request.user`` may be ``None``).
    :param video: the :class:`core.models.Video` being watched.
    :return: ignored.
    """


@hookspec
def amphi_watch_progress(request: Request, video: Video, seconds_watched: float) -> None:
    """The player reported time played since its previous report.

    Called by the core's position API (``POST /api/videos/{id}/position``,
    CSRF-checked like every POST) for signed-in and anonymous viewers alike,
    with the seconds of media played since the last report, already clamped
    by the core to ``0 < seconds_watched <= core.web.views.watch.MAX_REPORTED_WATCH``
    and to the video's duration.

    .. versionadded:: 1.1.0

    :param request: the current request (``request.user`` may be ``None``).
    :param video: the :class:`core.models.Video` being watched.
    :param seconds_watched: a positive float.
    :return: ignored.
    """


@hookspec
def amphi_player_events(
    request: Request,
    video: Video,
    session: str,
    events: Sequence[Mapping[str, Any]],
    played: Sequence[tuple[float, float]],
) -> bool | None:
    """The player reported what a viewer did: a batch of events of one viewing (a page load).

    Called by the core's ``POST /api/videos/{id}/events`` (CSRF-checked like the position reports,
    after the viewer's access to the video is checked) for signed-in and anonymous viewers alike. The
    player reports only on the sites where an enabled plugin implements this hook, at most once every
    few seconds, and the rest when the page goes (``pagehide``). It runs inside the request: record
    what you need and send it elsewhere from a task (an LRS, a gradebook).

    Every value was checked and clamped by the core: times are seconds of media within the video's
    duration, ``at`` a UTC :class:`datetime.datetime` no later than now (and no earlier than an hour ago).
    Each event is a dict with ``type``, ``time`` (where the playhead was) and ``at``, and, by type:

    - ``ready``: the player is set up and knows the video's length (once per viewing);
    - ``play``, ``pause``, ``ended``: the playback started, paused, reached the end;
    - ``seeked``: ``from`` → ``time``;
    - ``ratechange``: ``rate``; ``volumechange``: ``volume`` (0 to 1), ``muted``;
      ``fullscreen``: ``on``; ``captions``: ``language`` (a language tag; empty: off);
    - ``leave``: the viewer left the page (the last event of a viewing, when the browser sends it).

    .. versionadded:: 2.4.0

    :param request: the current request (``request.user`` may be ``None``).
    :param video: the :class:`core.models.Video` watched.
    :param session: the viewing's identifier, a random UUID made by the player at each page load
        (chosen by the browser: tie it to the viewer before trusting it).
    :param events: the events of the batch, oldest first (possibly none).
    :param played: the parts of the video played in this viewing so far, ``(start, end)`` seconds,
        sorted and merged (seeks excluded: what was really played).
    :return: ``True`` while this plugin wants this viewing's further events; the player stops
        reporting once no plugin does (``False`` or ``None`` from all).
    """


# --- notifications (per site) ----------------------------------------------


@hookspec
def amphi_notification_kinds(request: Request) -> list[NotificationKind]:
    """Declare the kinds of notifications this plugin sends (a reply to my comment...).

    Each kind is listed on the user's notification preferences, with the channels it is sent
    through unless the user chose otherwise (in the site, by e-mail: both by default). The plugin
    then tells a user with :func:`core.plugin_api.notify` ``(request, user, kind, title, link, text)``;
    a kind no enabled plugin declares is refused (logged).

    .. versionadded:: 2.1.0

    :param request: the current request (the kinds of the request's site).
    :return: a list of :class:`core.notify.kinds.NotificationKind`.
    """


# --- search (per site) -----------------------------------------------------


@hookspec(firstresult=True)
def amphi_search(request: Request, query: SearchQuery) -> SearchResults | None:
    """Search the request's site: the site's enabled search plugin answers.

    Matches are restricted to :func:`core.catalogue.search.searchable_ids` (ready videos
    the request may find in lists) and cleared with
    :func:`core.catalogue.search.denied_ids` (``amphi_permits``); facet counts cover
    those visible matches only. A video the request may list but not watch
    (:func:`core.catalogue.search.locked_ids`, :func:`core.catalogue.listing.locked_condition`:
    a password to give) matches on its title only, and none of its facets is
    counted, filtered on or suggested. When
    :func:`core.catalogue.listing.plugins_may_deny` is false, the ``searchable_ids`` rule
    is the whole rule: the plugin may page and count in its own query.
    Stops at first non-None result.

    .. versionadded:: 1.1.0

    :param request: the current request.
    :param query: a :class:`core.catalogue.search.SearchQuery`.
    :return: a :class:`core.catalogue.search.SearchResults`, or ``None`` when this
        plugin does not search (no search plugin: the page says so).
    """


@hookspec(firstresult=True)
def amphi_search_suggest(request: Request, prefix: str, limit: int) -> list[str] | None:
    """Suggest completions (titles, tags...) for what a user is typing.

    Only what the request may find in lists is suggested, and of a video it
    may not watch (:func:`core.catalogue.search.locked_ids`) only the title.
    Stops at first non-None result.

    .. versionadded:: 1.1.0

    :param request: the current request.
    :param prefix: the text typed so far (any characters).
    :param limit: the most suggestions wanted.
    :return: a list of strings, best first, or ``None``.
    """


@hookspec
def amphi_search_reindex(request: Request) -> int:
    """Rebuild the search index of the request's site from the database.

    Called by ``amphi search reindex``; each search plugin enabled on the
    site rebuilds its own index with :func:`core.catalogue.search.search_document`.

    .. versionadded:: 1.1.0

    :param request: a request of the site (``request.site``).
    :return: the number of videos indexed.
    """


@hookspec
def amphi_search_text(request: Request, video: Video) -> dict[str, str]:
    """Contribute searchable text of a video (transcript, chapters, notes...).

    Called whenever a search plugin builds the video's document
    (:func:`core.catalogue.search.search_document`).

    .. versionadded:: 1.1.0

    :param request: the current request (or a worker's request).
    :param video: the :class:`core.models.Video`.
    :return: a dict ``{field: text}`` (``"transcript"``, ``"chapters"``...).
    """


@hookspec
def amphi_search_facets(request: Request, video: Video) -> dict[str, list[tuple[str, str]]]:
    """Contribute facet values of a video (type, discipline, tag, channel...).

    Called whenever a search plugin builds the video's document; the search
    page offers each facet as filters with counts.

    .. versionadded:: 1.1.0

    :param request: the current request (or a worker's request).
    :param video: the :class:`core.models.Video`.
    :return: a dict ``{facet: [(value, label), ...]}``; ``facet`` is a short
        lowercase name (``tag``), ``value`` what the URL carries, ``label``
        what the page shows.
    """


# --- UI (per site) ---------------------------------------------------------


@hookspec
def amphi_nav_items(request: Request) -> list[NavItem]:
    """Contribute entries to the main navigation.

    .. versionadded:: 1.0.0

    :param request: the current request.
    :return: a list of :class:`core.platform.ui.NavItem`.
    """


@hookspec
def amphi_page_profile(request: Request) -> Hashable | None:
    """Say what this plugin's contributions to a signed-in visitor's pages depend on.

    A signed-in visitor may be served a page rendered for another visitor of the same access
    profile (the site, roles, groups, sign-in method; see :mod:`core.pagecache`). A plugin whose
    contributions outside a personal region (``core.plugin_api.personal``) depend on more (a
    count of the visitor's own items in the navigation, say) answers a value that differs between
    visitors whose pages differ, e.g. the user's id while they have pending items, else ``None``.
    A plugin that raises keeps the page from being shared.

    .. versionadded:: 2.1.0

    :param request: the current request (a GET of a signed-in visitor).
    :return: a hashable value whose ``repr`` joins the cache key, or ``None``.
    """


@hookspec
def amphi_video_panels(request: Request, video: Video) -> list[Panel]:
    """Contribute panels beside the player on the video page.

    The page shows them as tabs, in ``order`` (all of them in turn without JavaScript); a link
    to ``#tabpanel-<id>`` (or ``#panel-<id>``) opens the panel's tab, and a panel holding a
    non-empty ``.notice[role=status]`` (a form's answer) opens first.

    .. versionadded:: 1.0.0

    :param request: the current request (it may view the video).
    :param video: the :class:`core.models.Video` shown.
    :return: a list of :class:`core.platform.ui.Panel`.
    """


@hookspec
def amphi_player_tracks(request: Request, video: Video) -> list[PlayerTrack]:
    """Contribute text tracks that the core does not store to the player.

    Tracks saved with :func:`core.catalogue.tracks.save_track` are offered by the core
    itself; this hook is for tracks kept elsewhere (a captioning service's
    URLs...). The player and the API's track list
    (``/api/v1/videos/{id}/tracks``) show them after the stored ones.

    .. versionadded:: 1.0.0

    :param request: the current request (it may view the video).
    :param video: the :class:`core.models.Video` played.
    :return: a list of :class:`core.platform.ui.PlayerTrack` (``url`` is where the
        browser fetches the WebVTT file: it must stay reachable by the viewer).
    """


@hookspec
def amphi_video_badges(request: Request, videos: Sequence[Video]) -> dict[int, list[Badge]]:
    """Mark videos in listings (home, all videos, search results...) with small badges.

    Called once per listing with the whole page of videos: answer with one
    query for the list, never one per video.

    .. versionadded:: 1.2.0

    :param request: the current request.
    :param videos: the :class:`core.models.Video` objects listed.
    :return: a dict ``{video_id: [core.platform.ui.Badge, ...]}`` (videos without a
        badge may be left out).
    """


@hookspec
def amphi_video_views(request: Request, videos: Sequence[Video]) -> dict[int, int]:
    """Tell how many times listed videos were watched (cards show it).

    Called once per listing with the whole page of videos: answer with one query
    for the list, never one per video. Counts from several plugins are added up.
    The figure may lag (listings are cached): a daily or hourly total is fine.

    .. versionadded:: 2.1.0

    :param request: the current request.
    :param videos: the :class:`core.models.Video` objects listed.
    :return: a dict ``{video_id: views}`` (videos never watched may be left out).
    """


@hookspec
def amphi_video_actions(request: Request, video: Video) -> list[NavItem]:
    """Contribute actions (links or buttons) to the video page.

    .. versionadded:: 1.0.0

    :param request: the current request (it may view the video).
    :param video: the :class:`core.models.Video` shown.
    :return: a list of :class:`core.platform.ui.NavItem`.
    """


@hookspec
def amphi_feed_links(request: Request, subject: Channel | Theme) -> list[FeedLink]:
    """Contribute feeds of what a page shows (discovery links in its head, subscribe links in it).

    .. versionadded:: 1.2.0

    :param request: the current request.
    :param subject: what the page is about: a :class:`core.models.Channel` or a
        :class:`core.models.Theme` (the request may see it).
    :return: a list of :class:`core.platform.ui.FeedLink`.
    """


@hookspec
def amphi_home_blocks(request: Request) -> list[HomeBlock]:
    """Offer blocks the site admin may show on the home page (most viewed videos, events on air...).

    The site admin chooses which blocks show, in which order (Site
    administration → Home page). The core loads a block's videos only when it
    shows it, and keeps only those the request may see in lists. A block of
    something else gives its own markup (only what the request may see; ``""``
    leaves it out); a block ``shown_by_default`` shows first on the home page of
    a site whose admins never chose.

    .. versionadded:: 1.2.0
    .. versionchanged:: 2.5.0 ``HomeBlock.markup``, ``url`` and ``shown_by_default``.

    :param request: the current request.
    :return: a list of :class:`core.platform.ui.HomeBlock`.
    """
