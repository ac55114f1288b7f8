"""The cards' duration clock (the ``clock`` template filter) and where a card image is stored."""

import pytest

from core.pipeline.card_images import card_path
from core.web.cards import duration_clock


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (20, "0:20"),
        (20.9, "0:20"),
        (0, "0:00"),
        (65, "1:05"),
        (599.5, "9:59"),
        (3600, "1:00:00"),
        (3723, "1:02:03"),
        (36000, "10:00:00"),
        (None, ""),
    ],
)
def test_duration_clock(seconds, shown):
    assert duration_clock(seconds) == shown


def test_the_filter_is_what_templates_use(app):
    environment = app.registry.queryUtility(__import__("pyramid_jinja2").IJinja2Environment, name=".html")
    assert environment.from_string("{{ 20 | clock }} {{ none | clock }}|").render() == "0:20 |"


def test_a_card_image_lives_beside_its_poster():
    assert card_path("sites/1/videos/2/outputs/7/thumbs/poster_1.jpg") == "cards/thumbs_poster_1.jpg"
    assert card_path("sites/1/videos/2/outputs/7/waveform.png") == "cards/waveform.jpg"
