"""The client against a real BigBlueButton server, when one is given: AMPHI_TEST_BBB_URL (its API address,
https://host/bigbluebutton/) and AMPHI_TEST_BBB_SECRET (bbb-conf --secret), and optionally
AMPHI_TEST_BBB_ALGORITHM (sha256 by default). Skipped otherwise: no BBB server can run here."""

import os
import secrets

import pytest
import requests

from plugin_bbb.client import BbbChecksumError, BbbClient, BbbMeetingNotFound

URL = os.environ.get("AMPHI_TEST_BBB_URL", "")
SECRET = os.environ.get("AMPHI_TEST_BBB_SECRET", "")
ALGORITHM = os.environ.get("AMPHI_TEST_BBB_ALGORITHM", "sha256")

pytestmark = pytest.mark.skipif(
    not (URL and SECRET), reason="no real BigBlueButton server: set AMPHI_TEST_BBB_URL and AMPHI_TEST_BBB_SECRET"
)


def test_a_meeting_on_a_real_server():
    client = BbbClient(URL, SECRET, ALGORITHM, timeout=20)
    client.get_meetings()
    with pytest.raises(BbbChecksumError):
        BbbClient(URL, SECRET + "x", ALGORITHM, timeout=20).get_meetings()
    meeting_id = "amphi-test-" + secrets.token_hex(8)
    passwords = {"attendeePW": secrets.token_hex(6), "moderatorPW": secrets.token_hex(6)}
    try:
        _, created = client.create(meeting_id, "Amphi test <é>", **passwords)
        _, created_again = client.create(meeting_id, "Amphi test <é>", **passwords)
        assert created and not created_again
        join = requests.get(
            client.join_url(meeting_id, "Amphi tester", "VIEWER", password=passwords["attendeePW"]),
            allow_redirects=False,
            timeout=20,
        )
        assert join.status_code in (200, 302)
        assert client.meeting_info(meeting_id).meeting_id == meeting_id
        assert isinstance(client.get_recordings([meeting_id]), list)
    finally:
        try:
            client.end(meeting_id)
        except BbbMeetingNotFound:
            pass
