"""report.html: self-contained, every section present, every image with alt text; and in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rewardsmith.loop.families.control import ControlFamily
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.report import REPORT, write_html_report
from rewardsmith.loop.report.html import SECTIONS
from rewardsmith.tasks import load_task


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag == "img":
            self.images.append(found)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


@pytest.fixture(scope="module")
def page(finished_run: RunRecord, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report made again by `rewardsmith report`'s function, in a copy of the run."""
    copy = tmp_path_factory.mktemp("copy") / finished_run.run_id
    shutil.copytree(finished_run.dir, copy, ignore=shutil.ignore_patterns("run.lock", "report.html", "tensorboard"))
    return write_html_report(RunRecord.open(copy), ControlFamily(load_task("cartpole")).report_task)


def test_the_page_is_self_contained_with_every_section_and_alt_text(page: Path) -> None:
    parsed = Page()
    parsed.feed(page.read_text())
    assert set(SECTIONS) <= parsed.ids
    assert len(parsed.images) >= 5  # fitness per round, lineage, the best's curves, best and worst episode
    assert all((image.get("alt") or "").strip() for image in parsed.images)
    assert all(link.startswith("data:image/svg+xml;base64,") for link in parsed.links), parsed.links[:3]
    assert "spec-v1" in parsed.ids


def test_tensorboard_events_for_every_training(finished_run: RunRecord) -> None:
    # As the design run itself wrote them.
    trained = [s.id for s in finished_run.statuses() if (finished_run.training_dir(s.id) / "training.json").exists()]
    folders = {p.parent.name for p in finished_run.path("tensorboard").rglob("events.out.tfevents.*")}
    assert set(trained) <= folders
    assert any(name.startswith("best-seed") for name in folders)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Runs after load: whether every image decoded with a size, and any error the page raised, into the DOM.
CHECKER = """<script>
const errors = [];
window.addEventListener("error", (event) => errors.push(String(event.message || event.target.src)), true);
window.addEventListener("load", () => {
  const images = [...document.images].map((i) => ({alt: i.alt, width: i.naturalWidth, height: i.naturalHeight,
    complete: i.complete}));
  const out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = JSON.stringify({images, errors});
  document.body.appendChild(out);
});
</script>"""


def test_in_headless_chromium(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    checked = tmp_path / "checked.html"
    checked.write_text(page.read_text().replace("<head>", "<head>" + CHECKER, 1))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run(
        [browser, *flags, "--virtual-time-budget=10000", "--dump-dom", checked.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["errors"] == []
    assert len(result["images"]) >= 5
    assert all(i["complete"] and i["width"] > 0 and i["height"] > 0 for i in result["images"]), result["images"]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and "error" in line.lower()]
    assert console == []
    # The DOM as the browser built it has every section.
    for section in SECTIONS:
        assert f'id="{section}"' in dom.stdout
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, "--window-size=1280,6000", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert screenshot.stat().st_size > 10_000
    assert page.name == REPORT
