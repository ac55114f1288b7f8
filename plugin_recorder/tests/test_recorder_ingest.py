"""A recorder on the core's Opencast ingest, as pyCA calls it (digest, BODY1, workflowInstanceId)."""

from datetime import timedelta

import pytest
from recorder_helpers import AGENT_PASSWORD, AgentClient, digest_challenge, digest_header

from core.models import MediaFile, Video, utcnow
from plugin_recorder.models import PendingRecording, RecorderEvent


@pytest.fixture
def agent(site, make_recorder, testapp, dbsession, people):
    recorder = make_recorder(site, language="fr", access="public")
    start = utcnow()
    event = RecorderEvent(
        recorder_id=recorder.id,
        uid="evt-1",
        title="Mécanique 3",
        start=start,
        end=start + timedelta(hours=1),
        owner_id=people["prof"].id,
    )
    dbsession.add(event)
    dbsession.flush()
    return recorder, event, AgentClient(testapp, recorder.username, AGENT_PASSWORD)


def ingest(client, workflow_instance="evt-1", expect=200):
    package = client.call("GET", "/ingest/createMediaPackage").text
    package = client.call(
        "POST",
        "/ingest/addTrack",
        {"mediaPackage": package, "flavor": "presenter/source"},
        upload_files=[("BODY1", "presenter.mp4", b"recorded bytes")],
    ).text
    fields = {"mediaPackage": package, "workflowDefinitionId": "amphi-recorder", "amphiEvent": workflow_instance}
    if workflow_instance:
        fields["workflowInstanceId"] = workflow_instance
    return client.call("POST", "/ingest/ingest", fields, status=expect)


def test_a_scheduled_recording_is_owned_and_titled_after_its_event_and_waits(agent, dbsession, people):
    recorder, event, client = agent
    ingest(client)
    video = dbsession.get(Video, event.video_id)
    assert (video.title, video.slug, video.owner_id, video.language, video.access) == (
        "Mécanique 3",
        "mecanique-3",
        people["prof"].id,
        "fr",
        "draft",
    )
    assert dbsession.query(PendingRecording).filter_by(video_id=video.id, event_id=event.id).count() == 1


def test_an_unscheduled_recording_goes_to_the_manager_and_auto_publish_publishes(agent, dbsession, people):
    recorder, event, client = agent
    recorder.auto_publish = True
    ingest(client, workflow_instance="")
    video = dbsession.query(Video).one()
    assert (video.owner_id, video.access) == (people["manager"].id, "public")
    assert dbsession.query(PendingRecording).count() == 0 and event.video_id is None


def test_a_push_or_folder_recorder_cannot_use_the_ingest(site, make_recorder, testapp):
    recorder = make_recorder(site, name="push-2", type="push")
    first = testapp.get("/ingest/createMediaPackage", status=401)
    header = digest_header(
        digest_challenge(first), "GET", "/ingest/createMediaPackage", recorder.username, AGENT_PASSWORD
    )
    testapp.get("/ingest/createMediaPackage", headers={"Authorization": header}, status=401)


def test_the_quota_charged_is_the_recordings_owners_not_the_recorders_account(
    agent, dbsession, people, site, make_video
):
    recorder, event, client = agent
    site.upload_user_quota = 20
    crowded = make_video(site, people["prof"], "Already here")
    dbsession.add(MediaFile(video_id=crowded.id, kind="source", key="k", size=10))
    dbsession.flush()
    refused = ingest(client, expect=413)  # 14 more bytes: past the scheduled owner's 20
    assert "storage quota" in refused.text and event.video_id is None
    ingest(client, workflow_instance="")  # unscheduled: the manager owns it, and has room
    assert dbsession.query(Video).filter_by(owner_id=people["manager"].id).count() == 1
