"""``amphi doctor`` for storage_s3: each configured bucket reachable with its credentials, and writable.

The problem is said in words: the store does not answer at its endpoint, the access key is unknown, the
secret key is wrong, there is no such bucket, or the credentials may read but not write.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.models import Site
from core.plugin_api import Check, ConfigurationError, plugin_settings

NAME = "storage_s3"

#: What an S3 error code means for whoever configured the store.
CODES = {
    "InvalidAccessKeyId": "the store knows no access key {access}: check amphi.storage_s3.access_key",
    "SignatureDoesNotMatch": "the secret key does not match the access key {access}: check amphi.storage_s3.secret_key",
    "NoSuchBucket": "there is no bucket {bucket!r} at {endpoint}: create it, or correct amphi.storage_s3.bucket",
    "AccessDenied": "the credentials of {access} may not {action} in the bucket {bucket!r}: grant them on the bucket",
    "AllAccessDisabled": "every access to the bucket {bucket!r} is disabled",
    "InvalidBucketName": "{bucket!r} is not a valid bucket name: correct amphi.storage_s3.bucket",
}


def doctor_checks(registry) -> list[Check]:
    """One check per distinct bucket and prefix the sites use (a bucket may name the site)."""
    checks: dict[tuple, Check] = {}
    for site in sites(registry):
        settings = plugin_settings(registry, site, NAME)
        if not settings["bucket"]:
            continue
        try:
            from plugins.storage_s3 import make_storage

            storage = make_storage(settings, site)
        except ConfigurationError as exc:
            checks[("settings", str(exc))] = Check("settings", lambda exc=exc: str(exc))
            continue
        identity = (settings["endpoint_url"], storage.bucket, storage.prefix)
        if identity not in checks:
            name = f"bucket {storage.bucket}" + (f" ({storage.prefix})" if storage.prefix else "")
            checks[identity] = Check(name, lambda settings=settings, storage=storage: bucket_problem(settings, storage))
    return list(checks.values())


def sites(registry) -> list[Site | None]:
    """The sites (their settings may name them); without a readable database, the installation's settings."""
    session = registry["dbsession_factory"]()
    try:
        found = session.scalars(select(Site).order_by(Site.slug)).all()
        for site in found:
            session.expunge(site)
        return list(found) or [None]
    except Exception:  # noqa: BLE001 — the core's database check says what is wrong with it
        return [None]
    finally:
        session.close()


def bucket_problem(settings, storage) -> str | None:
    """None when a small object can be listed, written and deleted in the bucket; else what is wrong."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from plugins.storage_s3 import s3_client

    client = s3_client(settings, settings["endpoint_url"], attempts=1)  # an answer in seconds, not after retries
    endpoint = client.meta.endpoint_url
    words = {"bucket": storage.bucket, "endpoint": endpoint, "access": settings["access_key"] or "(from boto3)"}
    key = f"{storage.prefix}amphi-doctor-{uuid.uuid4().hex}"
    action = "list"
    try:
        client.list_objects_v2(Bucket=storage.bucket, Prefix=storage.prefix, MaxKeys=1)
        action = "write"
        client.put_object(Bucket=storage.bucket, Key=key, Body=b"amphi doctor")
        action = "delete"
        client.delete_object(Bucket=storage.bucket, Key=key)
    except NoCredentialsError:
        return "no credentials: set amphi.storage_s3.access_key and secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        if code in CODES:
            return CODES[code].format(action=action, **words)
        return f"the store at {endpoint} refused to {action} in the bucket {storage.bucket!r}: {code} {message}".strip()
    except BotoCoreError as exc:  # no connection, a timeout, a bad URL
        return f"the store at {endpoint} does not answer ({exc}): is amphi.storage_s3.endpoint_url right, the store running?"
    return None
