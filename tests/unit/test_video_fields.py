"""The metadata a video takes from what an ingest client said (core.ingest.video_fields)."""

from datetime import date

import pytest

from core.ingest import video_fields


def test_video_fields_keep_what_a_video_has():
    fields = video_fields(
        {
            "title": "T",
            "language": "fr-FR-x-long-tag",
            "date_recorded": "2026-11-30T08:00",
            "creator": "Ana",
            "channel": "maths",
            "access": "public",
            "description": "",
        }
    )
    assert fields == {"title": "T", "language": "fr-FR-x-lo", "date_recorded": date(2026, 11, 30), "access": "public"}
    assert "date_recorded" not in video_fields({"date_recorded": "yesterday"})
    with pytest.raises(ValueError):
        video_fields({"access": "everyone"})
