"""The demo page in a real browser: Debian's chromium, headless, driven by Playwright against ``hush serve``.

Skipped (one line) when chromium or playwright is missing. No browser is downloaded: Playwright runs the system's
chromium through ``executable_path``. The page must work from the package's own files alone, so any request to
another host fails the test. A screenshot goes to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import soundfile as sf

from tests.helpers.server import hush_server
from tests.helpers.signals import mix_at_snr, speech_like

pytest.importorskip("fastapi", reason="hush[serve] not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (hush[serve-test])")

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (apt-get install chromium): the browser test is skipped", allow_module_level=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECONDS = 4.0
FLAGS = [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream",  # grant the microphone without a prompt
    "--use-fake-device-for-media-stream",  # a synthetic microphone
    "--autoplay-policy=no-user-gesture-required",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with hush_server("--methods", "default,wiener", "--workers", "2") as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    foreign, errors = [], []
    host = urlparse(server.url).netloc

    def check(request) -> None:
        u = urlparse(request.url)
        if u.scheme in ("http", "https", "ws", "wss") and u.netloc != host:
            foreign.append(request.url)

    pg.on("request", check)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
    pg.goto(server.url)
    pg.errors = errors  # a test that provokes an error takes the expected one out
    yield pg
    context.close()
    assert not foreign, f"the page fetched from elsewhere: {foreign}"
    assert not errors, f"errors in the page: {errors}"


def noisy_file(path: Path, sr: int = 16000) -> Path:
    clean = speech_like(sr=sr, seconds=SECONDS, seed=3)
    noise = np.random.default_rng(4).standard_normal(len(clean))
    sf.write(path, mix_at_snr(clean, noise, 5.0), sr, subtype="PCM_16")
    return path


def canvas_spread(page, selector: str) -> float:
    """Standard deviation of a canvas's pixel values: 0 for a blank (undrawn) canvas."""
    return page.eval_on_selector(
        selector,
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let s = 0, s2 = 0, n = 0;
                  for (let i = 0; i < d.length; i += 4) {
                    const v = d[i] + d[i + 1] + d[i + 2]; s += v; s2 += v * v; n++;
                  }
                  return Math.sqrt(Math.max(s2 / n - (s / n) ** 2, 0)); }""",
    )


def test_upload_enhance_play_and_spectrograms(page, tmp_path):
    wav = noisy_file(tmp_path / "noisy speech.wav")
    page.wait_for_selector("#method option[value=default]", state="attached")
    before = page.eval_on_selector("#results", "e => e.getBoundingClientRect().top")
    page.set_input_files("#file-input", str(wav))
    page.select_option("#method", "default")
    page.click("#enhance")
    page.wait_for_function("() => document.querySelector('#enhanced-spec').dataset.drawn === 'true'", timeout=60000)
    page.wait_for_function("() => document.querySelector('#enhanced-audio').readyState >= 1", timeout=30000)

    duration = page.eval_on_selector("#enhanced-audio", "a => a.duration")
    assert duration == pytest.approx(SECONDS, abs=0.01)
    assert page.eval_on_selector("#noisy-audio", "a => a.duration") == pytest.approx(SECONDS, abs=0.01)
    for canvas in ("#noisy-spec", "#enhanced-spec"):
        assert page.eval_on_selector(canvas, "c => c.dataset.drawn") == "true"
        assert canvas_spread(page, canvas) > 20, f"{canvas} is blank"
    # the enhanced spectrogram is darker: the noise between the harmonics is gone
    mean = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                     let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i]; return s / (d.length / 4); }"""
    assert page.eval_on_selector("#enhanced-spec", mean) < 0.8 * page.eval_on_selector("#noisy-spec", mean)

    link = page.get_attribute("#download", "download")
    assert link == "noisy speech_enhanced.wav"
    assert page.get_attribute("#download", "href").startswith("blob:")
    # DNSMOS of both, when the metrics extra is there
    page.wait_for_function("() => document.querySelector('#status').textContent === 'Done.'", timeout=90000)
    scores = page.eval_on_selector_all(".scores dd", "ds => ds.map(d => d.textContent)")
    if _has_metrics():
        assert all(float(s) >= 1.0 for s in scores), scores
    # nothing moved: the results area sits where it was before the results came
    assert page.eval_on_selector("#results", "e => e.getBoundingClientRect().top") == pytest.approx(before, abs=1)

    # A/B: the toggle carries the playback position over
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#noisy-audio').currentTime > 0.3")
    page.click("#toggle")
    page.wait_for_function("() => !document.querySelector('#enhanced-audio').paused")
    state = page.evaluate(
        "() => { const n = document.querySelector('#noisy-audio'), e = document.querySelector('#enhanced-audio');"
        " return [n.paused, e.paused, n.currentTime, e.currentTime]; }"
    )
    assert state[0] and not state[1] and state[2] > 0.3 and state[3] >= state[2] - 0.05
    assert page.get_attribute("#toggle", "aria-pressed") == "true"
    page.click("#play")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve-page.png"), full_page=True)
    assert (ARTIFACTS / "serve-page.png").stat().st_size > 10_000


def _has_metrics() -> bool:
    import importlib.util

    return importlib.util.find_spec("speechmos") is not None and importlib.util.find_spec("onnxruntime") is not None


def test_bad_upload_shows_the_error(page, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_bytes(b"this is not audio" * 100)
    page.wait_for_selector("#method option", state="attached")
    page.set_input_files("#file-input", str(bad))
    page.click("#enhance")
    page.wait_for_function("() => document.querySelector('#status').classList.contains('error')", timeout=30000)
    assert "not a recognised audio file" in page.text_content("#status")
    assert page.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.errors.clear()


def test_keyboard_tabs_and_live_stream(page):
    page.wait_for_selector("#live-method option", state="attached")
    page.focus("#tab-file")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-live", "aria-selected") == "true"
    assert page.is_visible("#panel-live") and not page.is_visible("#panel-file")
    page.select_option("#live-method", "wiener")
    page.click("#live-start")
    page.wait_for_function("() => Number(document.querySelector('#live-frames').textContent) >= 60", timeout=30000)
    rtt = float(page.get_attribute("#lat-rtt", "data-value"))
    assert 0 < rtt < 500
    assert page.text_content("#lat-algo").endswith("ms")
    page.check("#bypass")
    frames = int(page.text_content("#live-frames"))
    page.wait_for_function(f"() => Number(document.querySelector('#live-frames').textContent) >= {frames + 20}")
    page.click("#live-start")
    page.wait_for_function("() => document.querySelector('#live-status').textContent === 'Stopped.'")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve-live.png"))


def test_record_from_the_microphone_then_enhance(page):
    page.wait_for_selector("#method option[value=wiener]", state="attached")
    page.click("#record")
    page.wait_for_function("() => document.querySelector('#record').getAttribute('aria-pressed') === 'true'")
    page.wait_for_timeout(1500)
    page.click("#record")
    page.wait_for_function("() => document.querySelector('#file-name').textContent.startsWith('recording.wav')")
    page.select_option("#method", "wiener")
    page.keyboard.press("Tab")  # keyboard only from here: the submit button is enabled and reachable
    page.focus("#enhance")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#enhanced-spec').dataset.drawn === 'true'", timeout=60000)
    page.wait_for_function("() => document.querySelector('#enhanced-audio').readyState >= 1")
    recorded = page.eval_on_selector("#noisy-audio", "a => a.duration")
    assert 1.0 < recorded < 3.0
    assert page.eval_on_selector("#enhanced-audio", "a => a.duration") == pytest.approx(recorded, abs=0.01)
