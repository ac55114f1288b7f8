"""Helpers shared by the search plugins' tests: publishing a video (the ready event fires) and searching."""

import pytest

from core.catalogue.search import SearchQuery, search


@pytest.fixture
def publish(make_video, make_request):
    """``publish(site, owner, title, **fields)``: a video that becomes ready (the pipeline's event fires)."""

    def publish(site, owner, title, **fields):
        fields.setdefault("access", "public")
        video = make_video(site, owner, title, **fields)
        video.status = "ready"
        request = make_request(site)
        request.hooks.amphi_video_ready(request=request, video_id=video.id)
        return video

    return publish


def found(make_request, site, user=None, **query) -> list[str]:
    """Titles of what ``user`` finds on ``site`` for ``query``, in order."""
    return [video.title for video in search(make_request(site, user), SearchQuery(**query)).videos]
