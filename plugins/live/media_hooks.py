"""live-media's hookimpls, re-exported by the plugin module (``from plugins.live.media_hooks import *``).

The packager is not a pipeline job (see :mod:`plugins.live.packager` for why): importing
:mod:`plugins.live.packaging` registers its worker tasks (spawn, and the every-minute watch).
"""

from __future__ import annotations

import argparse

from core import hookimpl
from core.plugin_api import CliCommand
from plugins.live import packaging
from plugins.live.nginx import NginxOptions, http_locations, rtmp_block, standalone_config

__all__ = ["amphi_cli_commands"]

PARTS = ("standalone", "rtmp", "http")


def nginx_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--part",
        choices=PARTS,
        default="standalone",
        help="standalone: a whole nginx.conf; rtmp: the rtmp {} block (main context); "
        "http: the locations to put in Amphi's server {} (default: standalone)",
    )
    parser.add_argument("--app-url", default="http://127.0.0.1:6543", help="where nginx reaches Amphi")
    parser.add_argument("--rtmp-listen", default="1935", help="nginx's RTMP address (default: 1935)")
    parser.add_argument("--http-listen", default="80", help="nginx's HTTP address (standalone; default: 80)")
    parser.add_argument(
        "--play-from",
        action="append",
        help="an address allowed to pull RTMP streams, where the packager runs (repeat; default: 127.0.0.1)",
    )
    parser.add_argument(
        "--publish-from", action="append", help="an address or network allowed to publish (repeat; default: any)"
    )


def nginx_options(registry, args: argparse.Namespace) -> NginxOptions:
    from plugins.live.callbacks import callback_secret
    from plugins.live.segments import link_secret

    return NginxOptions(
        app_url=args.app_url,
        callback_secret=callback_secret(registry),
        link_secret=link_secret(registry.settings),
        hls_folder=packaging.hls_root(registry),
        recordings_folder=packaging.recordings_folder(registry),
        rtmp_listen=args.rtmp_listen,
        http_listen=args.http_listen,
        play_from=tuple(args.play_from or ("127.0.0.1",)),
        publish_from=tuple(args.publish_from or ()),
    )


def print_nginx_config(request, args: argparse.Namespace) -> None:
    """Print the nginx configuration live needs (it holds this installation's secrets: keep it private)."""
    options = nginx_options(request.registry, args)
    if args.part == "rtmp":
        text = rtmp_block(options)
    elif args.part == "http":
        text = http_locations(options)
    else:
        text = standalone_config(options)
    print(text, end="")


@hookimpl
def amphi_cli_commands():
    return [
        CliCommand(
            "nginx-config",
            "print the nginx configuration of live ingest and signed HLS (holds secrets: keep it private)",
            print_nginx_config,
            nginx_arguments,
        )
    ]
