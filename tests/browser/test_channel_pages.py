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
    assert page.get_by_role("status").text_content().strip() == "Saved."

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
