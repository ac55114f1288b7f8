"""Channels in Chromium: creating one, its themes and banner, its pages and the home page's blocks, in English
and French, each page audited by axe-core."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit


def png(width: int = 8, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels), written by hand: no imaging library needed."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def submit(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()
    audit(page)


def test_creating_a_channel_with_themes_and_visiting_its_pages(page, chromium, live_server, tmp_path):
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/admin/channels")
    page.get_by_label("Name", exact=True).fill("")
    submit(page, "Create the channel")  # the page with its errors
    assert page.locator("#channel-title-error").is_visible()
    page.get_by_label("Name", exact=True).fill("Sciences <physiques>")
    page.get_by_label("Description", exact=True).fill("**Optique** et mécanique")
    page.get_by_label("Featured on the home page").check()
    submit(page, "Create the channel")
    assert page.locator("p.notice[role=status]").text_content().strip() == "Saved."

    page.get_by_label("Name of the theme").fill("Optique")
    submit(page, "Add the theme")
    page.get_by_label("Name of the theme").fill("Lentilles")
    page.get_by_label("Inside the theme").select_option(label="Optique")
    submit(page, "Add the theme")
    banner = tmp_path / "banner.png"
    banner.write_bytes(png())
    page.get_by_label("Banner image (PNG, JPEG or GIF, at most 2 MB)").set_input_files(str(banner))
    submit(page, "Upload the banner")

    visit(page, f"{live_server}/channels/sciences-physiques")
    assert page.get_by_role("heading", level=1).text_content() == "Sciences <physiques>"
    assert page.locator(".description strong").text_content() == "Optique"
    assert page.locator("img.banner").evaluate("img => img.complete && img.naturalWidth") == 8
    page.get_by_role("link", name="Lentilles").click()
    page.wait_for_load_state()
    audit(page)
    assert page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Optique").is_visible()
    visit(page, f"{live_server}/channels/sciences-physiques/themes/lentilles/edit")
    visit(page, f"{live_server}/admin/site/home")
    page.get_by_label("Block 1").select_option(label="Videos of the channel Sciences <physiques>")
    submit(page, "Save")
    visit(page, f"{live_server}/channels/sciences-physiques/delete")

    guest = chromium.new_context(locale="fr-FR").new_page()
    try:
        for path in ("/", "/channels", "/channels/sciences-physiques", "/channels/sciences-physiques/themes/optique"):
            assert visit(guest, live_server + path).status == 200, path
        assert guest.get_by_role("heading", name="Sous-thèmes", exact=True).is_visible()  # Lentilles, under Optique
    finally:
        guest.context.close()


def channel_order(page) -> list[str]:
    return page.locator("[data-reorder-root] tbody th a").all_text_contents()


def wait_status(page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('reorder-status').textContent.includes(t)", arg=text)


def test_reordering_channels_and_themes_by_keyboard_drag_and_without_script(page, chromium, live_server):
    import re

    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/admin/channels")
    # "For members of chosen groups" without a group: the error beside the groups, the rest kept.
    page.get_by_label("Name", exact=True).fill("Tutorat")
    page.get_by_label("Members of chosen groups (below), its managers and the site administrators").check()
    submit(page, "Create the channel")
    assert page.locator("#channel-group_ids-error").is_visible()
    assert page.get_by_label("Name", exact=True).input_value() == "Tutorat"
    for name in ("Alpha", "Bêta", "Gamma"):
        visit(page, f"{live_server}/admin/channels")
        page.get_by_label("Name", exact=True).fill(name)
        submit(page, "Create the channel")
    visit(page, f"{live_server}/admin/channels")
    names = channel_order(page)
    start = names.index("Alpha")
    assert names[start : start + 3] == ["Alpha", "Bêta", "Gamma"]  # each new channel goes last
    count = len(names)

    # Keyboard: Enter on "Move down: Alpha" twice; the focus stays on Alpha's button, the news is announced.
    page.get_by_role("button", name=re.compile(r"^Move down\W+Alpha$")).focus()
    page.keyboard.press("Enter")
    wait_status(page, f"“Alpha” moved to position {start + 2} of {count}.")
    assert channel_order(page)[start : start + 3] == ["Bêta", "Alpha", "Gamma"]
    assert page.evaluate("() => document.activeElement.textContent") == "Move down: Alpha"
    page.keyboard.press("Enter")
    wait_status(page, f"“Alpha” moved to position {start + 3} of {count}.")
    assert channel_order(page)[start : start + 3] == ["Bêta", "Gamma", "Alpha"]
    assert page.evaluate("() => document.activeElement.textContent") == "Move up: Alpha"  # last: no Move down
    audit(page)

    # Drag and drop: Alpha dropped on Bêta takes its place.
    page.locator("[data-reorder-item]", has_text="Alpha").drag_to(page.locator("[data-reorder-item]", has_text="Bêta"))
    wait_status(page, f"“Alpha” moved to position {start + 1} of {count}.")
    assert channel_order(page)[start : start + 3] == ["Alpha", "Bêta", "Gamma"]
    audit(page)
    visit(page, page.url)
    assert channel_order(page)[start : start + 3] == ["Alpha", "Bêta", "Gamma"]  # kept on the server

    # Themes of a channel, with the keyboard.
    visit(page, f"{live_server}/channels/gamma/edit")
    for name in ("Cours", "TD"):
        page.get_by_label("Name of the theme").fill(name)
        submit(page, "Add the theme")
    page.get_by_role("button", name=re.compile(r"^Move up\W+TD$")).focus()
    page.keyboard.press("Enter")
    wait_status(page, "“TD” moved to position 1 of 2.")
    assert page.locator("[data-reorder-root] li > a:first-of-type").all_text_contents() == ["TD", "Cours"]
    assert page.evaluate("() => document.activeElement.textContent") == "Move down: TD"
    audit(page)

    # Without a script: the same buttons post a form, the page comes back with the moved button focused.
    cookies = page.context.cookies()
    plain = chromium.new_context(locale="en-GB", java_script_enabled=False)
    try:
        plain.add_cookies(cookies)
        bare = plain.new_page()
        bare.goto(f"{live_server}/admin/channels")
        bare.get_by_role("button", name=re.compile(r"^Move down\W+Bêta$")).click()
        bare.wait_for_load_state()
        assert "moved=" in bare.url
        assert bare.locator("#reorder-status").text_content() == f"“Bêta” moved to position {start + 3} of {count}."
        assert bare.locator(":focus").text_content() == "Move up: Bêta"  # last now: the other button
        assert bare.locator("[data-reorder-root] tbody th a").all_text_contents()[start : start + 3] == [
            "Alpha",
            "Gamma",
            "Bêta",
        ]
    finally:
        plain.close()
    visit(page, f"{live_server}/admin/channels")  # the page after a move without script, audited
    visit(page, f"{live_server}/channels")
