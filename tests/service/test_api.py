"""Every endpoint and every error status of the service, through FastAPI's test client."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf

import hush
from tests.helpers.server import noisy_signal, wav_bytes

WAV = "audio/wav"

pytest.importorskip("fastapi", reason="hush[serve] not installed")
pytest.importorskip("httpx", reason="httpx not installed (hush[serve-test])")


def post_enhance(client, data: bytes, ctype: str = WAV, **params):
    return client.post("/v1/enhance", params=params, content=data, headers={"content-type": ctype})


def check_error(r, status: int, *words: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail"}
    assert "Traceback" not in body["detail"]
    for w in words:
        assert w in body["detail"], body
    return body


# ---------------------------------------------------------------------------------------------- health, methods
def test_health_ready_and_methods(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["methods"] == ["wiener", "mmse-lsa", "default"]
    doc = client.get("/v1/methods").json()
    assert doc["default"] == "wiener"
    rows = {m["name"]: m for m in doc["methods"]}
    assert list(rows) == ["wiener", "mmse-lsa", "default"]
    assert rows["wiener"]["kind"] == "classical" and rows["wiener"]["parameters"] == 0
    assert rows["wiener"]["latency_ms"] == pytest.approx(32.0, abs=0.1)
    model = rows["default"]
    assert model["kind"] == "model" and model["sample_rate"] == 16000 and model["streaming"]
    assert 0.5e6 < model["parameters"] < 2e6 and model["size_mb"] == pytest.approx(model["parameters"] * 4e-6, 1e-3)
    assert model["latency_ms"] == pytest.approx(30.0, abs=0.1)
    assert all(0 < m["rtf"] < 5 for m in rows.values())


def test_not_ready_answers_503_with_retry_after():
    from fastapi.testclient import TestClient

    from hush.service import ServiceConfig, create_app

    app = create_app(ServiceConfig(methods=("wiener",)))
    client = TestClient(app)  # no lifespan: the methods never load
    for r in (client.get("/readyz"), client.get("/v1/methods"), post_enhance(client, wav_bytes(noisy_signal(0.5)))):
        check_error(r, 503, "loading")
        assert r.headers["retry-after"] == "2"
    assert client.get("/healthz").status_code == 200  # alive all the same


# ---------------------------------------------------------------------------------------------- enhance
def test_enhance_multipart_equals_enhance_file(client, tmp_path):
    x = noisy_signal()
    (tmp_path / "in.wav").write_bytes(wav_bytes(x))
    hush.enhance_file(tmp_path / "in.wav", tmp_path / "ref.wav", "mmse-lsa")
    r = client.post(
        "/v1/enhance", files={"file": ("../../etc/my take.wav", wav_bytes(x), WAV)}, data={"method": "mmse-lsa"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav"
    assert r.content == (tmp_path / "ref.wav").read_bytes()
    assert r.headers["x-hush-method"] == "mmse-lsa"
    assert float(r.headers["x-hush-audio-seconds"]) == pytest.approx(2.0)
    seconds, rtf = float(r.headers["x-hush-processing-seconds"]), float(r.headers["x-hush-rtf"])
    assert 0 < seconds < 10 and rtf == pytest.approx(seconds / 2.0, abs=1e-3)
    assert r.headers["server-timing"].startswith("enhance;dur=")
    assert (
        'filename="my take_enhanced.wav"' in r.headers["content-disposition"]
        or "my%20take_enhanced.wav" in (r.headers["content-disposition"])
    )


def test_enhance_raw_body_options(client):
    x = noisy_signal()
    plain = post_enhance(client, wav_bytes(x))  # the first served method by default
    assert plain.status_code == 200 and plain.headers["x-hush-method"] == "wiener"
    limited = post_enhance(client, wav_bytes(x), atten_lim_db="6", mix="0.5")
    y0, _ = sf.read(io.BytesIO(plain.content))
    y1, _ = sf.read(io.BytesIO(limited.content))
    # at most 6 dB of suppression and half dry: much closer to the input than the full enhancement
    assert np.sum((y1 - x) ** 2) < 0.3 * np.sum((y0 - x) ** 2)
    flac = post_enhance(client, wav_bytes(x), format="flac", sample_rate="8000")
    assert flac.headers["content-type"] == "audio/flac" and flac.headers["x-hush-sample-rate"] == "8000"
    info = sf.info(io.BytesIO(flac.content))
    assert (info.format, info.samplerate, info.frames) == ("FLAC", 8000, 16000)


def test_enhance_keeps_container_channels_and_model(client):
    x = np.stack([noisy_signal(1.0, 48000, 0), noisy_signal(1.0, 48000, 5)], axis=1)
    r = post_enhance(client, wav_bytes(x, 48000, "FLAC"), "audio/flac", method="default")
    assert r.status_code == 200, r.text
    y, sr = sf.read(io.BytesIO(r.content))
    assert sr == 48000 and y.shape == x.shape and r.headers["content-type"] == "audio/flac"
    ogg = post_enhance(client, wav_bytes(x[:, 0], 48000, "OGG", "VORBIS"), "audio/ogg")
    assert ogg.status_code == 200 and sf.info(io.BytesIO(ogg.content)).format == "OGG"


def test_enhance_warnings_travel_in_a_header(client):
    r = post_enhance(client, wav_bytes(np.zeros(8000, np.float32)))
    assert r.status_code == 200
    assert "silent" in r.headers["x-hush-warning"] and "hush-serve" not in r.headers["x-hush-warning"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"method": "nope"}, ["'nope'", "wiener, mmse-lsa, default"]),
        ({"method": "/etc/passwd"}, ["not served"]),
        ({"method": "wiener:noise_tracker=spp"}, ["not served"]),
        ({"atten_lim_db": "-3"}, ["atten_lim_db", "positive"]),
        ({"atten_lim_db": "loud"}, ["atten_lim_db must be a number"]),
        ({"mix": "1.5"}, ["mix must be between 0"]),
        ({"format": "mp3"}, ["wav, flac, ogg"]),
        ({"sample_rate": "44.1k"}, ["sample_rate"]),
        ({"sample_rate": "200000"}, ["8000 to 96000"]),
        ({"colour": "blue"}, ["unknown option", "'colour'"]),
    ],
)
def test_bad_options_are_422(client, params, words):
    check_error(post_enhance(client, wav_bytes(noisy_signal(0.5)), **params), 422, *words)


def test_bad_option_in_a_form_field_is_422(client):
    r = client.post("/v1/enhance", files={"file": ("a.wav", wav_bytes(noisy_signal(0.5)), WAV)}, data={"mix": "-1"})
    check_error(r, 422, "mix")
    r = client.post("/v1/enhance", files={"other": ("a.wav", wav_bytes(noisy_signal(0.5)), WAV)})
    check_error(r, 422, "'other'")
    check_error(client.post("/v1/enhance", files={"method": (None, "wiener")}), 422, "no audio")
    check_error(client.post("/v1/enhance", data={"method": "wiener"}), 415, "x-www-form-urlencoded")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"RIFF....WAVEfmt but nothing after it" * 3, ["file:", "audio"]),
        (b"", ["empty upload"]),
        (b"\x00" * 4000, ["file:"]),
    ],
)
def test_undecodable_audio_is_400(client, data, words):
    check_error(post_enhance(client, data), 400, *words)


def test_invalid_audio_is_400(client):
    nan = noisy_signal(0.5)
    nan[100] = np.nan
    check_error(post_enhance(client, wav_bytes(nan, subtype="FLOAT")), 400, "NaN")
    check_error(post_enhance(client, wav_bytes(noisy_signal(0.5, 4000), 4000)), 400, "sample rate")
    check_error(post_enhance(client, wav_bytes(np.zeros(3, np.float32))), 400, "too short")


def test_unsupported_types_are_415(client):
    check_error(post_enhance(client, b'{"a": 1}', "application/json"), 415, "application/json")
    check_error(post_enhance(client, b"hello", "text/plain"), 415, "text/plain")
    r = client.post("/v1/enhance", files={"file": ("a.png", b"\x89PNG....", "image/png")})
    check_error(r, 415, "image/png")


def test_too_large_and_too_long_are_413(client):
    big = wav_bytes(np.zeros(600_000, np.float32))  # 1.2 MB > the 1 MB limit
    check_error(post_enhance(client, big), 413, "1 MB")
    long = wav_bytes(np.zeros(21 * 8000, np.float32), 8000)  # 21 s > 20 s, 336 kB
    check_error(post_enhance(client, long), 413, "21.0 s", "20 s")


def test_queue_full_is_503_with_retry_after(client):
    pool = client.app.state.hush.pool
    pending = pool.pending
    pool.pending = pool.capacity  # as if every worker and queue slot were taken
    try:
        r = post_enhance(client, wav_bytes(noisy_signal(0.5)))
    finally:
        pool.pending = pending
    body = check_error(r, 503, "busy")
    assert body["error"] == "busy" and int(r.headers["retry-after"]) >= 1


def test_uploads_are_removed_after_each_request(client, monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert post_enhance(client, wav_bytes(noisy_signal(0.5))).status_code == 200
    assert post_enhance(client, b"junk" * 100).status_code == 400
    assert post_enhance(client, wav_bytes(noisy_signal(0.5)), mix="7").status_code == 422
    assert list(tmp_path.iterdir()) == []


def test_unexpected_failure_is_500_without_traceback(client, monkeypatch):
    from hush.service import jobs

    def boom(*args):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(jobs, "enhance", boom)
    body = check_error(post_enhance(client, wav_bytes(noisy_signal(0.5))), 500, "ZeroDivisionError")
    assert "secret" not in json.dumps(body)
    monkeypatch.undo()
    assert post_enhance(client, wav_bytes(noisy_signal(0.5))).status_code == 200  # and the service goes on


# ---------------------------------------------------------------------------------------------- other endpoints
def test_evaluate_returns_the_hush_evaluate_document(client, tmp_path):
    from hush.cli import main

    clean = noisy_signal(2.0)  # any signal serves as a reference
    noisy = clean + 0.05 * np.random.default_rng(2).standard_normal(len(clean)).astype(np.float32)
    enhanced = clean + 0.01 * np.random.default_rng(3).standard_normal(len(clean)).astype(np.float32)
    for kind, x in (("clean", clean), ("enhanced", enhanced), ("noisy", noisy)):
        (tmp_path / kind).mkdir()
        (tmp_path / kind / "utt.wav").write_bytes(wav_bytes(x, subtype="FLOAT"))
    metrics = "si_sdr,snr,stoi"
    assert (
        main(
            [
                "evaluate",
                *[f"--{k}={tmp_path / k}" for k in ("clean", "enhanced", "noisy")],
                "--metrics",
                metrics,
                "--json",
                str(tmp_path / "cli.json"),
                "-q",
            ]
        )
        == 0
    )
    files = {k: ("utt.wav", (tmp_path / k / "utt.wav").read_bytes(), WAV) for k in ("clean", "enhanced", "noisy")}
    r = client.post("/v1/evaluate", files=files, data={"metrics": metrics})
    assert r.status_code == 200, r.text
    doc = r.json()
    cli = json.loads((tmp_path / "cli.json").read_text())
    assert doc["mean"] == pytest.approx(cli["mean"]) and doc["improvement"] == pytest.approx(cli["improvement"])
    assert doc["files"][0]["file"] == "utt" and doc["improvement"]["si_sdr"] > 10


def test_evaluate_errors(client):
    w = wav_bytes(noisy_signal(1.0))
    check_error(client.post("/v1/evaluate", content=w, headers={"content-type": WAV}), 415, "multipart")
    check_error(client.post("/v1/evaluate", files={"clean": ("c.wav", w, WAV)}), 422, "'enhanced'")
    both = {"clean": ("c.wav", w, WAV), "enhanced": ("e.wav", w, WAV)}
    check_error(client.post("/v1/evaluate", files=both, data={"metrics": "pesq_xx"}), 422, "pesq_xx")
    check_error(client.post("/v1/evaluate", files=both, data={"scale": "1"}), 422, "'scale'")
    bad = {"clean": ("c.wav", w, WAV), "enhanced": ("e.wav", b"not audio" * 50, WAV)}
    check_error(client.post("/v1/evaluate", files=bad), 400, "enhanced:")
    short = {"clean": ("c.wav", w, WAV), "enhanced": ("e.wav", wav_bytes(noisy_signal(0.5)), WAV)}
    body = check_error(client.post("/v1/evaluate", files=short, data={"metrics": "si_sdr"}), 400, "length differs")
    assert "hush-serve" not in body["detail"]  # the scratch path is never shown


@pytest.mark.slow
def test_dnsmos(client):
    pytest.importorskip("speechmos", reason="hush[metrics] not installed")
    x = noisy_signal(2.0)
    r = client.post("/v1/dnsmos", files={"file": ("n.wav", wav_bytes(x), WAV)})
    assert r.status_code == 200, r.text
    noisy = r.json()
    enhanced = wav_bytes(hush.enhance(x, 16000, "default"))
    clean = client.post("/v1/dnsmos", content=enhanced, headers={"content-type": WAV})
    assert set(noisy) == {"dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808", "seconds"}
    assert all(1 <= noisy[k] <= 5 for k in ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808"))
    assert clean.json()["dnsmos_bak"] > noisy["dnsmos_bak"] + 0.5  # the background got quieter
    check_error(client.post("/v1/dnsmos", content=b"xx" * 100, headers={"content-type": WAV}), 400, "file:")


def test_tag_names_the_classes_of_an_upload(client):
    sr = 16000
    t = np.arange(2 * sr) / sr
    tone = 0.3 * np.sin(2 * np.pi * 440 * t) * (1 + 0.2 * np.sin(2 * np.pi * 3 * t))  # a steady 440 Hz note
    r = client.post("/v1/tag", files={"file": ("a.wav", wav_bytes(tone, sr), "audio/wav")}, data={"top": "3"})
    assert r.status_code == 200, r.text
    doc = r.json()
    decoded, _ = sf.read(io.BytesIO(wav_bytes(tone, sr)), dtype="float32")  # what the service decodes (16-bit)
    assert doc["tags"] == hush.tag(decoded, sr, 3).as_dict()["tags"]  # the Python API's answer
    assert len(doc["tags"]) == 3 and doc["tags"][0]["probability"] >= doc["tags"][1]["probability"]
    r = client.post("/v1/tag?timeline=true&top=1", content=wav_bytes(tone, sr), headers={"content-type": "audio/wav"})
    assert r.status_code == 200 and len(r.json()["timeline"]) == 2
    check_error(client.post("/v1/tag?top=0", content=wav_bytes(tone, sr)), 422, "top")
    check_error(client.post("/v1/tag?top=x", content=wav_bytes(tone, sr)), 422, "top")
    check_error(client.post("/v1/tag?timeline=maybe", content=wav_bytes(tone, sr)), 422, "timeline")
    check_error(client.post("/v1/tag", content=b"not audio at all"), 400, "")


def test_unknown_route_and_verb(client):
    check_error(client.get("/v1/nothing"), 404)
    check_error(client.get("/v1/enhance"), 405)


def test_page_and_static_files_are_served_offline(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "live.js", "spectrogram.js", "wav.js", "worklet.js", "style.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert "http://" not in r.text and "https://" not in r.text, f"{name} refers to another site"
    assert "https://" not in page.text and "http://" not in page.text
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load from a CDN
    check_error(client.get("/static/../config.py"), 404)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--methods", "wiener,nope"], "unknown method 'nope'"),
        (["--workers", "0"], "workers must be at least 1"),
        (["--max-upload-mb", "-1"], "must be positive"),
    ],
)
def test_serve_command_refuses_bad_settings_in_one_line(capsys, args, words):
    from hush.cli import main

    assert main(["serve", "--port", "0", *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hush: error:") and words in err[0]
