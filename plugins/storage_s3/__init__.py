"""Media in an S3-compatible object store (Ceph RGW, MinIO, Garage, SeaweedFS, AWS S3...), with boto3.

The plugin answers ``amphi_storage`` only when a bucket is set, before any other storage plugin: an
installation switches to the store by setting ``amphi.storage_s3.bucket``. The bucket and the prefix may name
the site (``{site}``: its slug, ``{site_id}``: its number), so each site gets a bucket or a prefix of its own.
Credentials come from the settings, else from boto3's usual places (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, ``~/.aws/credentials``, an instance role). See docs/storage-s3.md.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core import hookimpl
from core.plugin_api import ConfigurationError, Setting, _, plugin_settings

if TYPE_CHECKING:
    from plugins.storage_s3.storage import S3Storage

MIB = 1024 * 1024

NAME = "storage_s3"
AMPHI_TITLE = _("S3 object storage")
AMPHI_DESCRIPTION = _("Media files in an S3-compatible object store (Ceph, MinIO, Garage, SeaweedFS, AWS).")
AMPHI_HOOKS = ">=2.4,<3"  # amphi_doctor_checks

DELIVERIES = ("accel", "redirect", "app")
_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def _server(key: str, type_: str, default, label, help_="", **kw) -> Setting:
    return Setting(key, type_, default, label=label, help=help_, site_editable=False, **kw)


@hookimpl
def amphi_settings():
    return [
        _server(
            "bucket", "str", "", _("Bucket"), _("Empty: this plugin stores nothing. May hold {site} or {site_id}.")
        ),
        _server("prefix", "str", "", _("Key prefix"), _("Put before every key (e.g. amphi/{site}/).")),
        _server("endpoint_url", "str", "", _("Endpoint URL"), _("The store's address; empty for AWS S3.")),
        _server(
            "public_endpoint_url", "str", "", _("Public endpoint URL"), _("The address browsers reach (redirect).")
        ),
        _server("region", "str", "us-east-1", _("Region")),
        _server("access_key", "str", "", _("Access key"), _("Empty: boto3's environment or files."), secret=True),
        _server("secret_key", "str", "", _("Secret key"), secret=True),
        _server(
            "addressing_style",
            "choice",
            "path",
            _("Addressing style"),
            _("path for most stores; virtual for AWS."),
            choices=("path", "virtual", "auto"),
        ),  # fmt: skip
        _server(
            "delivery",
            "choice",
            "accel",
            _("Delivery"),
            _("accel: nginx fetches a presigned URL (X-Accel-Redirect); redirect: viewers are sent to it; app."),
            choices=DELIVERIES,
        ),  # fmt: skip
        _server("accel_prefix", "str", "/_s3/", _("nginx internal prefix"), _("The internal location proxying to S3.")),
        _server("url_ttl", "int", 300, _("Presigned URL lifetime (seconds)")),
        _server("part_size_mb", "int", 16, _("Multipart part size (MB)")),
        _server("concurrency", "int", 4, _("Parallel transfers per operation")),
    ]


@hookimpl(tryfirst=True)
def amphi_storage(registry, site):
    settings = plugin_settings(registry, site, NAME)
    if not settings["bucket"]:
        return None
    return make_storage(settings, site)


def make_storage(settings, site=None) -> S3Storage:
    """The storage for these effective settings (``site`` fills ``{site}`` and ``{site_id}``)."""
    from plugins.storage_s3.storage import S3Storage  # boto3 weighs ~25 MB: loaded only where a bucket is set

    names = {"site": site.slug if site is not None else "", "site_id": site.id if site is not None else ""}
    try:
        bucket, prefix = settings["bucket"].format(**names), settings["prefix"].format(**names)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigurationError(f"amphi.storage_s3.bucket / prefix: only {{site}} and {{site_id}}: {exc}") from None
    if settings["url_ttl"] < 10 or settings["part_size_mb"] < 5 or settings["concurrency"] < 1:
        raise ConfigurationError("amphi.storage_s3: url_ttl >= 10, part_size_mb >= 5 and concurrency >= 1")
    part = settings["part_size_mb"] * MIB
    client = s3_client(settings, settings["endpoint_url"])
    public = settings["public_endpoint_url"]
    return S3Storage(
        client,
        bucket,
        prefix,
        public_client=s3_client(settings, public) if public else client,
        delivery=settings["delivery"],
        accel_prefix=settings["accel_prefix"],
        url_ttl=settings["url_ttl"],
        part_size=part,
        concurrency=settings["concurrency"],
    )


@hookimpl
def amphi_doctor_checks(registry):
    from plugins.storage_s3.doctor import doctor_checks

    return doctor_checks(registry)


def s3_client(settings, endpoint_url: str, attempts: int = 5):
    """One boto3 client per configuration and process (clients are thread-safe and costly to make);
    ``attempts``: how many times a request is tried (the doctor wants an answer at once)."""
    identity = (
        attempts,
        endpoint_url,
        settings["region"],
        settings["access_key"],
        settings["secret_key"],
        settings["addressing_style"],
        settings["concurrency"],
    )
    with _clients_lock:
        client = _clients.get(identity)
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                signature_version="s3v4",
                s3={"addressing_style": settings["addressing_style"]},
                max_pool_connections=max(10, settings["concurrency"] * 2),
                retries={"max_attempts": attempts, "mode": "standard"},
                connect_timeout=60 if attempts > 1 else 5,  # 60: botocore's default
                # No CRC of every byte on top of the signature's SHA-256 (not every store supports them yet).
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            credentials = {}
            if settings["access_key"]:
                credentials = {
                    "aws_access_key_id": settings["access_key"],
                    "aws_secret_access_key": settings["secret_key"],
                }
            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url or None, region_name=settings["region"], config=config, **credentials
            )
            _clients[identity] = client
        return client
