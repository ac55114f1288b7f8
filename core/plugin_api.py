"""What a plugin may import from the core: this module, :mod:`core.models`, :mod:`core.hookspecs` and
:data:`core.hookimpl` (a plugin's tests may use :mod:`core.testing` too).

Everything else in the core is private to it and may change in any release; the import-linter contracts
in ``pyproject.toml`` fail the test suite when a plugin reaches past this list. A name is added here when
a plugin has a real use for it, with the same care as a hook: it is part of the contract plugins rely on.

Functions that take ``request`` work on the request's site only (never another site's rows) and apply
the request's access rights.
"""

from core.access.identity import login_methods, parse_attribute_map, provision_user
from core.access.ratelimit import RateLimit
from core.access.security import (
    SESSION_METHOD,
    LoginMethod,
    UrlGrant,
    address_in,
    check_password,
    end_sessions,
    hash_password,
    safe_next,
    sign_in,
    user_group_names,
    video_permits,
)
from core.access.signin_attempts import attempt_succeeded, attempt_void, begin_attempt
from core.access.tokens import token_hash, uses_bearer
from core.access.users import create_user, find_user
from core.catalogue.channels import add_to_channel, addable_channels, get_channel, get_theme
from core.catalogue.listing import (
    class_locked_condition,
    locked_condition,
    opens_locked_videos,
    permitted,
    visibility_class,
    visible_videos,
)
from core.catalogue.lookup import get_site_video, require_video
from core.catalogue.media_urls import media_url
from core.catalogue.metadata import ACCESS_LABELS, STATUS_LABELS, language_choices
from core.catalogue.search import (
    FacetCount,
    SearchQuery,
    SearchResults,
    denied_ids,
    fold_accents,
    language_name,
    locked_ids,
    plugins_may_deny,
    search_document,
    search_words,
    searchable_condition,
    searchable_ids,
    unique_ignoring_case,
    videos_in_order,
)
from core.catalogue.tracks import active_plugins, delete_track, read_track, save_track, video_tracks
from core.catalogue.videos import delete_video
from core.ingest import (
    LAYOUTS,
    IngestTrack,
    QuotaExceeded,
    Trims,
    check_quota,
    ingest_files,
    title_from_filename,
    unique_slug,
)
from core.notify.kinds import NotificationKind
from core.notify.service import notify
from core.ops.checks import Check, GaugeReading
from core.pagecache import cache_page, no_cache
from core.pagecache.generation import current_generation, has_pending_changes, personal_changed
from core.pagecache.regions import personal_fragment, remember_for_user
from core.pagecache.regions import render_personal as personal
from core.pipeline import queue_job
from core.pipeline.audio_languages import audio_language, audio_name, native_name
from core.pipeline.hls import AUDIO_GROUP, HlsAudio, HlsVariant, hls_master_playlist
from core.pipeline.jobs import JobContext, JobKind, local_file, scratch_folder
from core.pipeline.media import (
    MEDIA_TYPES,
    AudioStream,
    ComposeSource,
    EncodeCancelled,
    EncodeOutput,
    EncodeResult,
    MediaError,
    MediaInfo,
    ProgressCallback,
    Rung,
)
from core.pipeline.speech import DEFAULT_RULES, SAMPLE_RATE, ReadingRules, Transcript, Word, build_cues, to_webvtt
from core.pipeline.storage import check_key, get_storage, site_prefix, upload_key, video_prefix
from core.platform.commands import CliCommand
from core.platform.db import commit_now, lock_rows
from core.platform.errors import AmphiError, ConfigurationError, TooManyAttempts, ValidationError
from core.platform.i18n import _, localizer_for, plural, translate_errors
from core.platform.keys import derived_key
from core.platform.markup import render_markdown
from core.platform.migrate import ids_never_reused
from core.platform.ordering import move_to, renumber, step
from core.platform.plugins import collect, fire
from core.platform.processes import arm_parent_death_signal
from core.platform.settings import EffectiveSettings, Setting, UndeclaredSetting, aslist, setting
from core.platform.sites import plugin_settings, site_or_none, upload_limits
from core.platform.tasks import enqueue_after_commit, huey, worker_request
from core.platform.timecodes import (
    CUE_TAG,
    clock,
    escape_cue_text,
    parse_clock,
    parse_vtt_timestamp,
    plain_cue_text,
    precise_clock,
    to_millis,
    vtt_timestamp,
)
from core.platform.ui import Badge, FeedLink, HomeBlock, NavItem, Panel, count_param, take_flash
from core.web.inputs import json_body, parse_json
from core.web.name_fields import groups_named, names_in, users_named
from core.web.player import player_context
from core.web.responses import serve_key, shared_cache_may_keep

__all__ = [
    # Calling hooks: contributions gathered, events sent, a failing plugin logged and skipped
    "collect",
    "fire",
    # Notifications: the kinds a plugin declares (amphi_notification_kinds), telling a user
    "NotificationKind",
    "notify",
    # Errors, French and English, settings, sites
    "AmphiError",
    "ConfigurationError",
    "TooManyAttempts",
    "ValidationError",
    "_",
    "plural",
    "localizer_for",
    "translate_errors",
    "EffectiveSettings",
    "Setting",
    "setting",
    "UndeclaredSetting",
    "aslist",
    "plugin_settings",
    "site_or_none",
    "upload_limits",
    # What plugins contribute to pages (the UI hooks' answers) and page helpers
    "Badge",
    "FeedLink",
    "HomeBlock",
    "NavItem",
    "Panel",
    # The command line: a plugin's commands (amphi_cli_commands)
    "CliCommand",
    "count_param",
    "take_flash",
    "json_body",
    "parse_json",
    # Form fields naming the site's people or groups ("ada, bob"): unknown names are errors on the field
    "names_in",
    "users_named",
    "groups_named",
    "player_context",
    "serve_key",
    "shared_cache_may_keep",
    "render_markdown",
    # Identity, sign-in, sessions, users, tokens, rate limits
    "LoginMethod",
    "UrlGrant",
    "SESSION_METHOD",
    "login_methods",
    "sign_in",
    "end_sessions",
    "safe_next",
    "address_in",
    "check_password",
    "hash_password",
    "parse_attribute_map",
    "provision_user",
    "create_user",
    "find_user",
    "begin_attempt",
    "attempt_succeeded",
    "attempt_void",
    "RateLimit",
    "token_hash",
    "uses_bearer",
    "derived_key",
    # Videos: lookup with access check, listing, channels, metadata labels, deleting
    "get_site_video",
    "require_video",
    "user_group_names",
    "video_permits",
    "visible_videos",
    "permitted",
    "locked_condition",
    "class_locked_condition",
    "opens_locked_videos",
    "visibility_class",
    "delete_video",
    "add_to_channel",
    "addable_channels",
    "get_channel",
    "get_theme",
    "ACCESS_LABELS",
    "STATUS_LABELS",
    "language_choices",
    # Text tracks and timecodes
    "save_track",
    "read_track",
    "delete_track",
    "video_tracks",
    "active_plugins",
    "CUE_TAG",
    "clock",
    "precise_clock",
    "parse_clock",
    "parse_vtt_timestamp",
    "vtt_timestamp",
    "to_millis",
    "escape_cue_text",
    "plain_cue_text",
    # Search backends
    "SearchQuery",
    "SearchResults",
    "FacetCount",
    "search_document",
    "search_words",
    "searchable_condition",
    "searchable_ids",
    "denied_ids",
    "locked_ids",
    "plugins_may_deny",
    "videos_in_order",
    "fold_accents",
    "language_name",
    "unique_ignoring_case",
    "current_generation",
    "cache_page",
    "no_cache",
    "personal_fragment",
    "personal",
    "has_pending_changes",
    "personal_changed",
    "remember_for_user",
    # Media: storage, signed URLs, jobs, encoders, transcribers
    "get_storage",
    "check_key",
    "site_prefix",
    "video_prefix",
    "upload_key",
    "media_url",
    "queue_job",
    "JobKind",
    "JobContext",
    "local_file",
    "scratch_folder",
    "AUDIO_GROUP",
    "AudioStream",
    "audio_language",
    "audio_name",
    "native_name",
    "HlsAudio",
    "HlsVariant",
    "hls_master_playlist",
    "arm_parent_death_signal",
    "MediaInfo",
    "MEDIA_TYPES",
    "Rung",
    "EncodeOutput",
    "EncodeResult",
    "EncodeCancelled",
    "MediaError",
    "ProgressCallback",
    "ComposeSource",
    "Transcript",
    "Word",
    "ReadingRules",
    "DEFAULT_RULES",
    "SAMPLE_RATE",
    "build_cues",
    "to_webvtt",
    # Ingest: the one path every ingest takes
    "ingest_files",
    "IngestTrack",
    "LAYOUTS",
    "QuotaExceeded",
    "check_quota",
    "title_from_filename",
    "unique_slug",
    "Trims",
    # Ordered rows, tasks, migrations
    "move_to",
    "renumber",
    "step",
    "huey",
    "enqueue_after_commit",
    "worker_request",
    "ids_never_reused",
    # The request's transaction: commit a step others must see now, lock rows on both databases
    "commit_now",
    "lock_rows",
    # Operations: readiness and doctor checks, gauges at /metrics
    "Check",
    "GaugeReading",
]
