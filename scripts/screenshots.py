"""Screenshots of Amphi for the documentation: home, a video page, upload, my videos and site administration,
on a phone (390×844) and a desktop (1366×768), in the light and the dark theme.

It starts ``amphi serve`` on a temporary database (SQLite unless ``AMPHI_TEST_DB`` says otherwise), imports a
few sample videos made with ffmpeg, waits for their encoding, signs in as the administrator and writes the
pictures into ``docs/_static/screenshots/`` with the page that shows them, ``docs/screenshots.md``.
Each picture is a PNG, or a JPEG (quality 70) where the PNG would pass 200 KB.

    .venv/bin/python scripts/screenshots.py

Needs Chromium (``AMPHI_TEST_CHROMIUM``, default /usr/bin/chromium), Playwright and ffmpeg, as the browser
tests do.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from core.testing import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE_ADMIN_PASSWORD,
    run_amphi,
    serving,
    temporary_database,
    write_ini,
)
from tests.mediafiles import make_clip  # noqa: E402

OUT = REPOSITORY / "docs" / "_static" / "screenshots"
PAGE = REPOSITORY / "docs" / "screenshots.md"
MAX_BYTES = 200_000
SIZES = {"phone": (390, 844), "desktop": (1366, 768)}
THEMES = ("light", "dark")
SAMPLES = [
    ("Introduction à la thermodynamique", "testsrc2", 8),
    ("Optique : les lentilles minces", "smptebars", 5),
    ("Research seminar: protein folding", "testsrc", 6),
    ("Amphi 3 — cours du 12 mars", "rgbtestsrc", 4),
]


def import_video(ini: str, clip: Path, title: str) -> int:
    command = [sys.executable, "-m", "core.cli", "-c", ini, "video", "import", "default", "admin", str(clip)]
    out = subprocess.run([*command, "--title", title], check=True, capture_output=True, text=True).stdout
    return int(out.split()[1])


def wait_until_ready(database_url: str, ids: list[int], seconds: float = 300) -> None:
    from sqlalchemy import select

    from core.models import Video
    from core.platform.db import make_engine

    engine = make_engine(database_url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                statuses = set(connection.scalars(select(Video.status).where(Video.id.in_(ids))))
            if statuses <= {"ready", "failed"}:
                return
            time.sleep(1)
    finally:
        engine.dispose()
    raise SystemExit(f"the sample videos are still being encoded after {seconds} s")


def save(page, name: str) -> str:
    """Write the page as ``name.png``, or ``name.jpg`` where the PNG is too large; return the file's name."""
    for old in OUT.glob(name + ".*"):
        old.unlink()
    png = page.screenshot()
    if len(png) <= MAX_BYTES:
        (OUT / f"{name}.png").write_bytes(png)
        return f"{name}.png"
    (OUT / f"{name}.jpg").write_bytes(page.screenshot(type="jpeg", quality=70))
    return f"{name}.jpg"


def shoot(base: str, video_id: int) -> dict[tuple[str, str, str], str]:
    from playwright.sync_api import sync_playwright

    pages = {
        "home": "/",
        "video": f"/videos/{video_id}",
        "upload": "/upload",
        "my-videos": "/my/videos",
        "site-admin": "/admin/site",
    }
    files = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size_name, (width, height) in SIZES.items():
            for theme in THEMES:
                context = browser.new_context(
                    locale="en-GB", viewport={"width": width, "height": height}, color_scheme=theme
                )
                page = context.new_page()
                page.goto(base + "/login")
                page.get_by_label("Username").fill("admin")
                page.get_by_label("Password").fill(LIVE_ADMIN_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
                for page_name, path in pages.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.evaluate("() => document.activeElement && document.activeElement.blur()")
                    name = f"{page_name}-{size_name}-{theme}"
                    files[(page_name, size_name, theme)] = save(page, name)
                    print(name, flush=True)
                context.close()
        browser.close()
    return files


TITLES = {
    "home": "Home page",
    "video": "A video page",
    "upload": "Uploading",
    "my-videos": "My videos",
    "site-admin": "Site administration",
}


def write_page(files: dict[tuple[str, str, str], str]) -> None:
    lines = [
        "# Screenshots",
        "",
        "What Amphi looks like, on a phone (390×844) and a desktop (1366×768), in the light and the dark theme,",
        "signed in as a site administrator, with a few sample videos. `scripts/screenshots.py` takes them again",
        "(it starts a server on a temporary database); the theme follows the system unless the viewer picks one",
        "under *Display* in the header, where larger text and wider spacing are offered too.",
        "",
    ]
    for page_name, title in TITLES.items():
        lines += [f"## {title}", ""]
        for size_name in SIZES:
            for theme in THEMES:
                file = files[(page_name, size_name, theme)]
                alt = f"{title}, {size_name}, {theme} theme"
                width = "260px" if size_name == "phone" else "100%"
                lines += [
                    f"```{{image}} _static/screenshots/{file}",
                    f":alt: {alt}",
                    f":width: {width}",
                    "```",
                    "",
                ]
    PAGE.write_text("\n".join(lines))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        with temporary_database(folder) as url:
            ini = str(write_ini(folder, url, **{"amphi.worker.embedded": "true"}))
            run_amphi(ini, "init", "--admin-password", LIVE_ADMIN_PASSWORD)
            with serving(ini, folder) as base:
                ids = [
                    import_video(ini, make_clip(folder, f"sample{n}.mp4", seconds, "640x360", pattern=pattern), title)
                    for n, (title, pattern, seconds) in enumerate(SAMPLES)
                ]
                wait_until_ready(url, ids)
                files = shoot(base, ids[0])
    write_page(files)
    print(f"{len(files)} screenshots in {OUT.relative_to(REPOSITORY)}, shown by {PAGE.relative_to(REPOSITORY)}")


if __name__ == "__main__":
    main()
