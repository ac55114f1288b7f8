"""The nginx configuration that live needs: RTMP ingest with callbacks and recording, signed HLS delivery.

Three parts, from one set of :class:`NginxOptions`:

- :func:`rtmp_block` (nginx's *main* context, e.g. ``/etc/nginx/modules-enabled/60-amphi-live.conf``): the
  ``live`` application. Every publish is checked by Amphi (``on_publish``, which renames an admitted stream
  to ``e<id>`` so a stream key never reaches a path), every stream is recorded (``record all``), and only
  the packager's address may play (pull) a stream: viewers get HLS, never RTMP.
- :func:`http_locations` (inside Amphi's ``server {}``): ``/live/hls/<token>/<expires>/e<id>/<file>`` served
  from the HLS folder after nginx's ``secure_link`` check of the token Amphi signed
  (:func:`plugins.live.segments.sign`). Token and expiry sit in the path, so the playlists' relative URIs
  carry them and no playlist is rewritten per viewer; no request reaches the application per segment.
- :func:`standalone_config`: a whole ``nginx.conf`` (both parts, the rest proxied to Amphi), what the
  tests run with ``nginx -p <folder>`` and what a dedicated live nginx may use.

``amphi live nginx-config`` prints them (:mod:`plugins.live.media_hooks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Debian's RTMP module (``libnginx-mod-rtmp``); absolute, since a relative path breaks with ``nginx -p``.
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
#: The RTMP application publishers and the packager use: ``rtmp://<host>/live/<stream key>``.
APPLICATION = "live"
#: The URL path under which live HLS is served (nginx in production, :mod:`plugins.live.segments` otherwise).
HLS_PREFIX = "/live/hls/"
#: What a signed HLS path looks like; the token is an MD5 in unpadded base64url (nginx's ``secure_link``).
HLS_PATH_PATTERN = (
    r"^/live/hls/(?<live_token>[A-Za-z0-9_-]{22})/(?<live_expires>[0-9]{1,12})/(?<live_event>e[0-9]{1,12})"
    r"/(?<live_file>(?:[a-z0-9_]{1,16}/)?[a-z0-9_]{1,32}\.(?:m3u8|ts))$"
)
#: Playlists change every segment: never kept; segments never change: a viewer's browser may keep them.
PLAYLIST_CACHE = "no-cache, no-store"
SEGMENT_CACHE = "private, max-age=3600"


@dataclass(frozen=True)
class NginxOptions:
    """What the configuration depends on. ``app_url``: where nginx reaches Amphi (callbacks, proxy)."""

    app_url: str
    callback_secret: str
    link_secret: str
    hls_folder: str
    recordings_folder: str
    rtmp_listen: str = "1935"
    http_listen: str = "80"
    #: Addresses allowed to play (pull) RTMP streams: where the packager runs.
    play_from: tuple[str, ...] = ("127.0.0.1",)
    #: Addresses allowed to publish (an encoder's network); empty: any, the stream key decides.
    publish_from: tuple[str, ...] = ()
    server_name: str = "_"
    extra: dict = field(default_factory=dict)


def callback_url(options: NginxOptions, name: str) -> str:
    """The URL of one of Amphi's RTMP callbacks (``publish``, ``publish_done``, ``record_done``)."""
    return f"{options.app_url.rstrip('/')}/live/rtmp/{name}?secret={options.callback_secret}"


def _quote(value: str) -> str:
    if any(c in value for c in "\"'\\\n\r;{}$"):
        raise ValueError(f"{value!r} cannot be written in an nginx configuration")
    return f'"{value}"'


def rtmp_block(options: NginxOptions) -> str:
    """The ``rtmp {}`` block (nginx's main context)."""
    allow_publish = "".join(f"      allow publish {a};\n" for a in options.publish_from)
    deny_publish = "      deny publish all;\n" if options.publish_from else ""
    allow_play = "".join(f"      allow play {a};\n" for a in options.play_from)
    return (
        # With several nginx workers, a publish on one worker is pushed to the others, so a player
        # (the packager) finds the stream whichever worker accepts it.
        "rtmp_auto_push on;\n"
        "rtmp {\n"
        "  server {\n"
        f"    listen {options.rtmp_listen};\n"
        "    chunk_size 4096;\n"
        f"    application {APPLICATION} {{\n"
        "      live on;\n"
        # A player (the packager) starts on a keyframe. (Not wait_video: an interpreter's stream has
        # no picture, its sound would never be sent.)
        "      wait_key on;\n"
        # A publisher that stops sending is dropped, and players of a stream that ended are
        # disconnected: the packager's input then ends and it closes the playlists.
        "      drop_idle_publisher 10s;\n"
        "      idle_streams off;\n"
        f"{allow_publish}{deny_publish}"
        f"{allow_play}"
        "      deny play all;\n"
        # HLS is written by Amphi's packager (a ladder, several languages), not by nginx-rtmp.
        "      hls off;\n"
        # Every stream is recorded, each publish in its own file (a stream that drops and
        # comes back gives several parts); the replay is made from them.
        "      record all;\n"
        f"      record_path {_quote(options.recordings_folder)};\n"
        "      record_unique on;\n"
        f"      on_publish {callback_url(options, 'publish')};\n"
        f"      on_publish_done {callback_url(options, 'publish_done')};\n"
        f"      on_record_done {callback_url(options, 'record_done')};\n"
        "      notify_method post;\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def http_locations(options: NginxOptions) -> str:
    """The ``location`` blocks serving signed live HLS (inside a ``server {}``)."""
    root = options.hls_folder.rstrip("/")
    secure = f"$live_expires/$live_event {_quote(options.link_secret)[1:-1]}"
    return (
        f'location ~ "{HLS_PATH_PATTERN}" {{\n'
        f'    set $live_cache "{SEGMENT_CACHE}";\n'
        f'    if ($live_file ~ "\\.m3u8$") {{ set $live_cache "{PLAYLIST_CACHE}"; }}\n'
        "    secure_link $live_token,$live_expires;\n"
        f'    secure_link_md5 "{secure}";\n'
        '    if ($secure_link = "") { return 403; }\n'
        '    if ($secure_link = "0") { return 410; }\n'
        f'    alias "{_quote(root)[1:-1]}/$live_event/$live_file";\n'
        "    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }\n"
        "    default_type application/octet-stream;\n"
        "    add_header Cache-Control $live_cache always;\n"
        "    add_header Access-Control-Allow-Origin * always;\n"
        "    add_header X-Content-Type-Options nosniff always;\n"
        "}\n"
        # Anything else under the prefix (an unsigned or malformed path) is refused here, not proxied.
        f"location {HLS_PREFIX} {{ return 403; }}\n"
    )


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


def standalone_config(
    options: NginxOptions, *, prefix: str | None = None, foreground: bool = False, workers: str = "auto"
) -> str:
    """A whole ``nginx.conf``: the RTMP application, the signed HLS, the rest proxied to Amphi.

    With ``prefix`` (``nginx -p``), the pid, logs and temporary files go under it; ``foreground``
    runs one process that stays attached (tests).
    """
    lines = [f"load_module {RTMP_MODULE};"]
    if foreground:
        lines += ["daemon off;", "master_process off;"]
    else:
        lines.append(f"worker_processes {workers};")
    if prefix:
        lines += [f"pid {prefix}/nginx.pid;", f"error_log {prefix}/logs/error.log info;"]
    lines.append("events { worker_connections 4096; }")
    head = "\n".join(lines) + "\n"
    temp = ""
    if prefix:
        temp = f"  access_log {prefix}/logs/access.log;\n" + "".join(
            f"  {kind}_temp_path {prefix}/tmp/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
    http = (
        "http {\n"
        f"{temp}"
        "  sendfile on;\n"
        "  tcp_nopush on;\n"
        "  keepalive_requests 10000;\n"
        "  server {\n"
        f"    listen {options.http_listen};\n"
        f"    server_name {options.server_name};\n"
        f"{_indent(http_locations(options), 4)}"
        "    location / {\n"
        f"      proxy_pass {options.app_url.rstrip('/')};\n"
        "      proxy_set_header Host $http_host;\n"
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "      proxy_set_header X-Forwarded-Proto $scheme;\n"
        "      client_max_body_size 0;\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    return head + rtmp_block(options) + http


#: The example in ``etc/nginx/live.conf``: placeholders where ``amphi live nginx-config`` writes this
#: installation's secrets and folders.
EXAMPLE = NginxOptions(
    app_url="http://127.0.0.1:6543",
    callback_secret="CALLBACK-SECRET",
    link_secret="LINK-SECRET",
    hls_folder="/var/lib/amphi/live/hls",
    recordings_folder="/var/lib/amphi/live/recordings",
)


def example_file() -> str:
    """The text of ``etc/nginx/live.conf``."""
    return (
        "# Live ingest (RTMP) and signed live HLS: the two parts of nginx's configuration that the live plugin\n"
        "# needs. Do not copy this file: `amphi -c /etc/amphi/production.ini live nginx-config --part rtmp`\n"
        "# and `... --part http` print them with this installation's secrets (CALLBACK-SECRET, LINK-SECRET\n"
        "# below) and folders. See docs/live-delivery.md.\n"
        "#\n"
        "# 1. nginx's main context, e.g. /etc/nginx/modules-enabled/60-amphi-live.conf (after 50-mod-rtmp.conf):\n"
        + rtmp_block(EXAMPLE)
        + "\n# 2. inside Amphi's server {} (etc/nginx/amphi.conf), before `location /`:\n"
        + http_locations(EXAMPLE)
    )
