"""A video card's image: a small copy of the poster (:data:`CARD_WIDTH` x :data:`CARD_HEIGHT`, JPEG), stored beside
the poster under ``cards/`` of its encode's outputs, made by the site's ``amphi_card_image`` hook.

The encode makes it once the video is announced (:mod:`core.pipeline.encoding`); the media view makes it on
the first fetch of a video that has none (one encoded before cards, a poster chosen since): a page never waits.
"""

from __future__ import annotations

import os
import threading

from core.models import Video
from core.pipeline.jobs import local_file, scratch_folder
from core.pipeline.storage import job_prefix

#: The size of a card's image, in pixels (16:9; a card is at most about 300 CSS pixels wide).
CARD_WIDTH, CARD_HEIGHT = 320, 180
#: Card images live under this folder of the encode's outputs, beside the poster they are made from.
CARD_FOLDER = "cards"


def card_path(poster_key: str) -> str:
    """The path of a poster's card image under its encode's prefix: ``thumbs/poster_1.jpg`` -> ``cards/thumbs_poster_1.jpg``."""
    relative = poster_key[len(job_prefix(poster_key)) + 1 :]
    stem = relative.rsplit(".", 1)[0].replace("/", "_")
    return f"{CARD_FOLDER}/{stem}.jpg"


def card_key(video: Video) -> str:
    """The storage key of the card image of ``video``'s current poster ('' without a poster)."""
    if not video.poster_key:
        return ""
    return f"{job_prefix(video.poster_key)}/{card_path(video.poster_key)}"


_making = threading.Lock()  # one card made at a time per process: two first fetches must not write one file twice


def make_card_image(request, video: Video, key: str) -> bool:
    """Make and store the card image of ``video``'s poster under ``key``; False when no plugin could."""
    storage = request.storage
    with _making:
        if storage.exists(key):
            return True
        # named after this process like a job's, so a process killed mid-card leaves nothing the sweep misses
        with scratch_folder(request.registry) as scratch:
            with local_file(storage, video.poster_key, os.path.join(scratch, "poster")) as poster:
                out = os.path.join(scratch, "card.jpg")
                made = request.hooks.amphi_card_image(source=poster, out=out, width=CARD_WIDTH, height=CARD_HEIGHT)
                if not made or not os.path.exists(out):
                    return False
            with open(out, "rb") as image:
                storage.save(key, image)
    return True
