"""Every hook of Amphi's plugin contract, documented where it is declared.

A plugin implements a hook by defining a function with the same name decorated
with :data:`core.hookimpl`. Always call hooks with keyword arguments. Hooks
marked *firstresult* stop at the first implementation that returns something
other than ``None``; the others return the list of every non-``None`` answer.

Per-site hooks are called through ``request.hooks`` (or
:func:`core.plugins.site_hooks` outside a request), so a plugin disabled on the
site is never called there. Assembly hooks are called once per application,
for every installed plugin.

Changing this file changes ``core.HOOKS_VERSION`` (see the README's
compatibility policy).
"""

import pluggy

hookspec = pluggy.HookspecMarker("amphi")


# --- assembly (application level, every installed plugin) ------------------


@hookspec
def amphi_config(config):
    """Add routes, views, static assets, subscribers or tweens.

    Called once at start-up for every installed plugin, after the core's own
    configuration. Routes added here answer 404 on sites where the plugin is
    disabled; a plugin module's ``includeme(config)``, if it has one, is
    called the same way and need not implement this hook too.

    :param config: the :class:`pyramid.config.Configurator`.
    :return: ignored.
    """


@hookspec
def amphi_settings():
    """Declare the plugin's settings, once: type, default, one-line doc (``label``), per site or not.

    Called once at start-up. Each setting lives in the ini file under
    ``amphi.<plugin>.<key>`` and a site may override the ``site_editable`` ones;
    the site-admin page builds its form from these declarations and validates
    overrides against them, and the docs' settings reference is generated from
    them. The plugin reads ``request.plugin_settings(NAME)[key]`` (typed, the
    default applied); a key it does not declare raises
    :class:`core.settings.UndeclaredSetting`.

    :return: a list of :class:`core.settings.Setting`.
    """


@hookspec
def amphi_job_handlers():
    """Name the kinds of pipeline jobs this plugin runs (``transcribe``...).

    Called when a worker starts a job. A handler is
    ``handler(job_id, site_id, heartbeat)``; it opens its own short
    transactions with :func:`core.tasks.worker_request`, reports progress with
    ``heartbeat.report(fraction)`` (False means: cancelled, stop), raises
    :class:`core.media.MediaError` for a failure the owner should read, and
    returns when the work is published. Jobs are queued with
    :func:`core.pipeline.queue_job`.

    :return: a dict ``{kind: handler}``.
    """


# --- identity --------------------------------------------------------------


@hookspec
def amphi_login_methods(request):
    """List the ways to sign in that this plugin offers on the request's site.

    Called when the sign-in page renders.

    :param request: the current request.
    :return: a list of :class:`core.security.LoginMethod`.
    """


@hookspec(firstresult=True)
def amphi_identify(request):
    """Identify the request's user without a session (headers, tokens...).

    Called only when the session holds no signed-in user.
    Stops at first non-None result.

    :param request: the current request.
    :return: a :class:`core.models.User` of the request's site, or ``None``.
    """


@hookspec
def amphi_user_attributes(request, user, attributes):
    """Add what this plugin knows of a user who is signing in (a directory lookup...).

    Called by :func:`core.security.sign_in` for every sign-in method, before the
    profile is refreshed and the site's identity rules grant roles and groups
    (see :mod:`core.identity`). A plugin that cannot answer (its server is down)
    logs it and returns ``None``: the sign-in goes on with what is known.

    :param request: the current request.
    :param user: the :class:`core.models.User` signing in.
    :param attributes: ``{name: [values]}`` said so far (read-only).
    :return: ``{name: [values]}`` to add, or ``None``.
    """


@hookspec
def amphi_user_signed_in(request, user, attributes):
    """React to a sign-in (populate the profile, map groups and roles...).

    Called by :func:`core.security.sign_in` after the session is renewed, for
    whichever method signed the user in.

    :param request: the current request.
    :param user: the :class:`core.models.User` who signed in.
    :param attributes: a dict of what the identity provider said of the user.
    :return: ignored.
    """


@hookspec
def amphi_user_signed_out(request, user):
    """React to a sign-out, before the session is cleared.

    :param request: the current request.
    :param user: the :class:`core.models.User` signing out.
    :return: a URL to send the browser to (single logout), or ``None``. The
        first URL returned wins.
    """


@hookspec
def amphi_user_groups(user):
    """Name the groups a user belongs to beyond the stored memberships.

    :param user: a :class:`core.models.User`.
    :return: a list of group names of the user's site.
    """


@hookspec(firstresult=True)
def amphi_set_password(request, user, password):
    """Store a password for a local sign-in method.

    Called by ``amphi init``, ``amphi user add`` and the user-admin page.
    Stops at first non-None result.

    :param request: a request (possibly a bootstrap one) of the user's site.
    :param user: the :class:`core.models.User`.
    :param password: the clear-text password.
    :return: ``True`` when a plugin stored it.
    """


# --- access ----------------------------------------------------------------


@hookspec
def amphi_permits(request, video, permission):
    """Take part in deciding whether the request may act on a video.

    Called after the core's own rules (owner, site admin, access level). A
    ``False`` from any plugin denies; a ``True`` grants when no one denies;
    ``None`` abstains.

    A plugin that never answers ``False`` says so with a module attribute
    ``AMPHI_PERMITS_NEVER_DENIES = True``: searches then keep counting and
    paging in the database (:func:`core.catalog.plugins_may_deny`).

    Pages rendered for anonymous visitors are served again to the next ones
    (:mod:`core.pagecache`): an answer for an anonymous request that depends on
    more than the URL and the language (the client's address...) must call
    :func:`core.pagecache.no_cache`.

    :param request: the current request.
    :param video: the :class:`core.models.Video`.
    :param permission: ``"view"``, ``"edit"`` or ``"delete"``.
    :return: ``True``, ``False`` or ``None``.
    """


# --- storage ---------------------------------------------------------------


@hookspec(firstresult=True)
def amphi_storage(registry, site):
    """Return the storage backend of a site.

    Called whenever the core reads or writes media. Keys, never paths, are
    stored in the database; see :class:`core.storage.Storage` for the methods
    a backend provides.
    Stops at first non-None result.

    :param registry: the application registry (``registry.settings``).
    :param site: the :class:`core.models.Site`.
    :return: a :class:`core.storage.Storage`.
    """


# --- media -----------------------------------------------------------------


@hookspec(firstresult=True)
def amphi_probe(path):
    """Describe a media file.

    Called by the pipeline before encoding, on a local file.
    Stops at first non-None result.

    :param path: the local path of the file.
    :return: a :class:`core.media.MediaInfo`; raise :class:`core.media.MediaError`
        with a reason for the owner when the file is not usable media.
    """


@hookspec(firstresult=True)
def amphi_encoding_ladder(request, info):
    """Choose the renditions to produce for a source.

    Called once per encode job, with a worker request of the video's site
    (``request.plugin_settings(name)`` gives a plugin its settings there). A
    plugin marked ``tryfirst`` overrides the encoder's default ladder.
    Stops at first non-None result.

    :param request: the worker's request of the video's site.
    :param info: the source's :class:`core.media.MediaInfo`.
    :return: a list of :class:`core.media.Rung` (empty for audio-only sources).
    """


@hookspec(firstresult=True)
def amphi_encode(request, job, source, info, ladder, out, progress):
    """Encode a source into every output the platform serves.

    Writes HLS (master and variant playlists, segments), MP4 downloads, audio
    (m4a and MP3), thumbnails and a storyboard into the local folder ``out``.
    Stops at first non-None result.

    :param request: the worker's request of the video's site.
    :param job: the :class:`core.models.Job` (read its id; do not commit).
    :param source: the local path of the source file.
    :param info: the source's :class:`core.media.MediaInfo`.
    :param ladder: the list of :class:`core.media.Rung` to produce.
    :param out: an empty local folder to write into.
    :param progress: :data:`core.media.ProgressCallback`; when it returns False,
        stop (kill the process) and raise :class:`core.media.EncodeCancelled`.
    :return: a :class:`core.media.EncodeResult`.
    """


@hookspec(firstresult=True)
def amphi_compose(request, sources, layout, out, progress):
    """Compose several recorded tracks (screen, camera) into one video file.

    Called by the ``compose`` job (:mod:`core.composition`) in a worker, before the
    encode, for recordings ingested with several tracks or with trims
    (:func:`core.ingest.ingest_files`). The result is only an intermediate source: it is
    encoded afterwards like any upload, so favour quality and speed over size.
    Stops at first non-None result.

    :param request: the worker's request of the video's site.
    :param sources: a list of :class:`core.ingest.ComposeSource` (local path, flavor such
        as ``presentation/source`` for a screen or ``presenter/source`` for a camera, and
        the part to keep in seconds: ``start``/``end``, ``None`` for no cut).
    :param layout: one of :data:`core.ingest.LAYOUTS`: ``pip-<corner>`` puts the camera in
        that corner of the screen, ``side-by-side`` puts them next to each other. A single
        source is only cut.
    :param out: the local path of the file to write (Matroska: its name ends in ``.mkv``).
    :param progress: :data:`core.media.ProgressCallback`; when it returns False, stop and
        raise :class:`core.media.EncodeCancelled`.
    :return: ``out`` once written; raise :class:`core.media.MediaError` with a reason for
        the owner when the tracks cannot be composed.
    """


# --- ingest clients (per site) ---------------------------------------------


@hookspec(firstresult=True)
def amphi_ingest_authenticate(request):
    """Say who is calling the ingest endpoints (``/ingest/...``, :mod:`core.opencast_ingest`).

    Called on every ingest request. The endpoints answer 404 on a site where no
    enabled plugin implements this hook; when every implementation answers ``None``
    they answer 401 with the challenges of ``amphi_ingest_challenge``. A plugin that
    accepts a session must check that the request comes from the site itself (the
    endpoints take no CSRF token).
    Stops at first non-None result.

    :param request: the current request.
    :return: a :class:`core.ingest.IngestPrincipal` whose user belongs to the site, or ``None``.
    """


@hookspec
def amphi_ingest_challenge(request):
    """Name how an ingest client should authenticate, after a 401.

    :param request: the current request (refused).
    :return: a ``WWW-Authenticate`` value (``Basic realm="..."``, a Digest challenge), or ``None``.
    """


@hookspec
def amphi_ingest_received(request, principal, mediapackage, video):
    """A media package was ingested and became a video (processing is queued).

    The plugin that authenticated the client applies its policy here (publish with
    the owner's defaults, hold as a pending recording...); check ``principal.source``
    to act only on your own clients. Runs in the ingest request's transaction; an
    exception is logged and the video stays as created (a draft).

    :param request: the current request.
    :param principal: the :class:`core.ingest.IngestPrincipal` of the client.
    :param mediapackage: the :class:`core.models.IngestPackage` (``metadata_`` holds the
        episode catalogue's terms: ``title``, ``creator``, ``isPartOf``...; ``elements`` its files).
    :param video: the new :class:`core.models.Video`.
    :return: ignored.
    """


# --- speech (per site) -----------------------------------------------------


@hookspec(firstresult=True)
def amphi_transcribe(request, audio, language, progress):
    """Recognise the speech of an audio file, with word timings.

    Called by a transcription job, with a worker request of the video's site,
    outside any write transaction. An engine without a model for ``language``
    returns ``None`` so that another engine may answer.
    Stops at first non-None result.

    :param request: the worker's request of the video's site
        (``request.plugin_settings(name)`` gives a plugin its settings).
    :param audio: the local path of a WAV file, 16 kHz, mono, signed 16-bit
        PCM (:data:`core.speech.SAMPLE_RATE`).
    :param language: the two-letter code of the spoken language (``ko``, ``fr``).
    :param progress: :data:`core.media.ProgressCallback`; when it returns
        False, stop and raise :class:`core.media.EncodeCancelled`.
    :return: a :class:`core.speech.Transcript` (words in order, and cues built
        with :func:`core.speech.build_cues`); raise
        :class:`core.media.MediaError` with a reason for the owner when the
        engine's model for the language cannot be used.
    """


# --- events (per site) -----------------------------------------------------


@hookspec
def amphi_video_created(request, video):
    """A video was created on the request's site (after the row exists).

    :param request: the current request (or a worker's bootstrap request).
    :param video: the :class:`core.models.Video`.
    """


@hookspec
def amphi_video_ready(request, video):
    """A video finished processing and its outputs are published."""


@hookspec
def amphi_video_failed(request, video, reason):
    """Processing a video failed for good (retries exhausted or bad input).

    Not called when a later job of a ready video fails (a re-encode, a
    transcription): the video still plays; the job records the reason.

    :param reason: the reason shown to the owner.
    """


@hookspec
def amphi_video_changed(request, video):
    """A video's metadata or access changed."""


@hookspec
def amphi_video_deleted(request, video):
    """A video is being deleted (its row still exists)."""


@hookspec
def amphi_video_viewed(request, video):
    """A viewer opened a video's page or its embed page.

    Called by the core after the access check, on every page load (a reload
    calls it again: counting once per viewer is the implementation's job). It
    must stay cheap and must not raise: it runs inside the page's request.

    :param request: the current request (``request.user`` may be ``None``).
    :param video: the :class:`core.models.Video` being watched.
    :return: ignored.
    """


@hookspec
def amphi_watch_progress(request, video, seconds_watched):
    """The player reported time played since its previous report.

    Called by the core's position API (``POST /api/videos/{id}/position``,
    CSRF-checked like every POST) for signed-in and anonymous viewers alike,
    with the seconds of media played since the last report, already clamped
    by the core to ``0 < seconds_watched <= core.views.watch.MAX_REPORTED_WATCH``
    and to the video's duration.

    :param request: the current request (``request.user`` may be ``None``).
    :param video: the :class:`core.models.Video` being watched.
    :param seconds_watched: a positive float.
    :return: ignored.
    """


# --- search (per site) -----------------------------------------------------


@hookspec(firstresult=True)
def amphi_search(request, query):
    """Search the request's site: the site's enabled search plugin answers.

    Matches are restricted to :func:`core.search.searchable_ids` (ready videos
    the request may find in lists) and cleared with
    :func:`core.search.denied_ids` (``amphi_permits``); facet counts cover
    those visible matches only. A video the request may list but not watch
    (:func:`core.search.locked_ids`, :func:`core.catalog.locked_condition`:
    a password to give) matches on its title only, and none of its facets is
    counted, filtered on or suggested. When
    :func:`core.catalog.plugins_may_deny` is false, the ``searchable_ids`` rule
    is the whole rule: the plugin may page and count in its own query.
    Stops at first non-None result.

    :param request: the current request.
    :param query: a :class:`core.search.SearchQuery`.
    :return: a :class:`core.search.SearchResults`, or ``None`` when this
        plugin does not search (no search plugin: the page says so).
    """


@hookspec(firstresult=True)
def amphi_search_suggest(request, prefix, limit):
    """Suggest completions (titles, tags...) for what a user is typing.

    Only what the request may find in lists is suggested, and of a video it
    may not watch (:func:`core.search.locked_ids`) only the title.
    Stops at first non-None result.

    :param request: the current request.
    :param prefix: the text typed so far (any characters).
    :param limit: the most suggestions wanted.
    :return: a list of strings, best first, or ``None``.
    """


@hookspec
def amphi_search_reindex(request):
    """Rebuild the search index of the request's site from the database.

    Called by ``amphi search reindex``; each search plugin enabled on the
    site rebuilds its own index with :func:`core.search.search_document`.

    :param request: a request of the site (``request.site``).
    :return: the number of videos indexed.
    """


@hookspec
def amphi_search_text(request, video):
    """Contribute searchable text of a video (transcript, chapters, notes...).

    Called whenever a search plugin builds the video's document
    (:func:`core.search.search_document`).

    :param request: the current request (or a worker's request).
    :param video: the :class:`core.models.Video`.
    :return: a dict ``{field: text}`` (``"transcript"``, ``"chapters"``...).
    """


@hookspec
def amphi_search_facets(request, video):
    """Contribute facet values of a video (type, discipline, tag, channel...).

    Called whenever a search plugin builds the video's document; the search
    page offers each facet as filters with counts.

    :param request: the current request (or a worker's request).
    :param video: the :class:`core.models.Video`.
    :return: a dict ``{facet: [(value, label), ...]}``; ``facet`` is a short
        lowercase name (``tag``), ``value`` what the URL carries, ``label``
        what the page shows.
    """


# --- UI (per site) ---------------------------------------------------------


@hookspec
def amphi_nav_items(request):
    """Contribute entries to the main navigation.

    :param request: the current request.
    :return: a list of :class:`core.ui.NavItem`.
    """


@hookspec
def amphi_video_panels(request, video):
    """Contribute panels beside the player on the video page.

    :return: a list of :class:`core.ui.Panel`.
    """


@hookspec
def amphi_player_tracks(request, video):
    """Contribute text tracks (subtitles, chapters...) to the player.

    :return: a list of :class:`core.ui.PlayerTrack`.
    """


@hookspec
def amphi_video_badges(request, videos):
    """Mark videos in listings (home, all videos, search results...) with small badges.

    Called once per listing with the whole page of videos: answer with one
    query for the list, never one per video.

    :param request: the current request.
    :param videos: the :class:`core.models.Video` objects listed.
    :return: a dict ``{video_id: [core.ui.Badge, ...]}`` (videos without a
        badge may be left out).
    """


@hookspec
def amphi_video_actions(request, video):
    """Contribute actions (links or buttons) to the video page.

    :return: a list of :class:`core.ui.NavItem`.
    """


@hookspec
def amphi_feed_links(request, subject):
    """Contribute feeds of what a page shows (discovery links in its head, subscribe links in it).

    :param request: the current request.
    :param subject: what the page is about: a :class:`core.models.Channel` or a
        :class:`core.models.Theme` (the request may see it).
    :return: a list of :class:`core.ui.FeedLink`.
    """


@hookspec
def amphi_home_blocks(request):
    """Offer blocks of videos the site admin may show on the home page (most viewed...).

    The site admin chooses which blocks show, in which order (Site
    administration → Home page). The core loads a block's videos only when it
    shows it, and keeps only those the request may see in lists.

    :param request: the current request.
    :return: a list of :class:`core.ui.HomeBlock`.
    """
