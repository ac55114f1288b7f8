"""Opencast Studio's calls from a page of the site in Chromium: the session signs them in, the recording is published."""

import base64

import pytest

from plugins.opencast_ingest.testing import DUBLIN_CORE
from tests.browser.browsing import audit, sign_in, visit
from tests.mediafiles import make_browser_webm

pytest.importorskip("opencast_studio")

# What Studio's upload code does (src/opencast.tsx), with fetch from the site's own origin.
STUDIO_UPLOAD = """async ([dcc, recording]) => {
    const request = async (path, options) => {
        const response = await fetch(path, {...options, credentials: 'same-origin', redirect: 'manual'});
        if (!response.ok) throw new Error(path + ' ' + response.status + ' ' + await response.text());
        return response;
    };
    const me = await (await request('/info/me.json')).json();
    let mp = await (await request('/ingest/createMediaPackage')).text();
    let body = new FormData();
    body.append('mediaPackage', mp);
    body.append('dublinCore', encodeURIComponent(dcc));
    body.append('flavor', 'dublincore/episode');
    mp = await (await request('/ingest/addDCCatalog', {method: 'post', body})).text();
    const bytes = Uint8Array.from(atob(recording), c => c.charCodeAt(0));
    body = new FormData();
    body.append('mediaPackage', mp);
    body.append('flavor', 'presenter/source');
    body.append('tags', '');
    body.append('BODY', new Blob([bytes], {type: 'video/webm'}), 'camera.webm');
    mp = await (await request('/ingest/addTrack', {method: 'post', body})).text();
    body = new FormData();
    body.append('mediaPackage', mp);
    await request('/ingest/ingest', {method: 'post', body});
    return me.user.username;
}"""


def test_the_record_page_and_a_studio_upload_signed_in_by_the_session(page, live_server, tmp_path):
    sign_in(page, live_server, "prof", "prof password 1")
    visit(page, live_server + "/")
    page.get_by_role("link", name="Record").click()
    page.wait_for_load_state()
    audit(page)
    assert page.get_by_role("heading", name="Record with Opencast Studio").is_visible()
    # A Studio hosted elsewhere ignores connection settings in its link: the page gives the steps instead.
    assert page.get_by_role("link", name="Open Opencast Studio at studio.opencast.org").get_attribute("href") == (
        "https://studio.opencast.org/"
    )
    assert page.get_by_text(live_server.rstrip("/") + "/", exact=True).first.is_visible()
    recording = base64.b64encode(make_browser_webm(tmp_path, "camera.webm", 2, "160x120").read_bytes()).decode()
    dcc = DUBLIN_CORE.format(title="Enregistré dans Studio", presenter="Prof")
    assert page.evaluate(STUDIO_UPLOAD, [dcc, recording]) == "prof"
    for _ in range(90):  # the embedded worker encodes it
        visit(page, live_server + "/my/videos")
        if page.get_by_text("Enregistré dans Studio").count():
            break
        page.wait_for_timeout(1000)
    assert page.get_by_text("Enregistré dans Studio").first.is_visible()
