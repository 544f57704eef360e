"""``hush personalize`` and ``hush snr`` end to end on generated recordings: the personalized file loads with -m,
streams like it enhances, too little audio is one error line, and the SNR estimate ranks noisier files lower."""

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.cli import main
from hush.data.mixing.synthetic import colored_noise, harmonic_speech
from hush.models.model_file import load

SR = 16000
TINY = "gru:hidden=16,n_fft=256,hop=128"


def _voice(seconds: float, seed: int, noise: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    x = 0.1 * harmonic_speech(rng, n, SR) + noise * colored_noise(rng, n)
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    d = tmp_path_factory.mktemp("calls")
    for i in range(4):
        sf.write(d / f"call{i}.wav", _voice(20, i, 0.01), SR)
    return d


def test_personalize_writes_a_model_that_enhance_and_streaming_use(calls, tmp_path, capsys):
    out = tmp_path / "me.pt"
    args = ["personalize", str(calls), "-o", str(out), "--init", TINY, "--max-steps", "4", "--valid-every", "2"]
    assert main([*args, "--quiet", "--batch-size", "4"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {out}: 4 steps") and "stopped: max_steps" in said
    assert main(["enhance", str(calls / "call0.wav"), "-o", str(tmp_path / "e.wav"), "-m", str(out)]) == 0
    enhanced, sr = sf.read(tmp_path / "e.wav", dtype="float32")
    noisy = _voice(20, 0, 0.01)
    assert sr == SR and enhanced.shape == noisy.shape and not np.allclose(enhanced, noisy, atol=1e-3)
    x = noisy[: 2 * SR]
    offline = hush.enhance(x, SR, method=str(out))
    s = hush.Streamer(str(out), sr=SR)
    streamed = np.concatenate([s.process(x[i : i + 333]) for i in range(0, len(x), 333)] + [s.flush()])
    np.testing.assert_allclose(streamed[s.delay : s.delay + 2 * SR], offline, atol=1e-5)
    # an existing output is kept without --overwrite
    assert main([*args, "--quiet"]) == 1
    assert "me.pt: already exists (use --overwrite to replace it)" in capsys.readouterr().err


def test_pse_dp_uses_the_bundled_predictor_through_the_api(calls, tmp_path):
    res = hush.personalize(str(calls), tmp_path / "dp.pt", init=TINY, max_steps=2, valid_every=2, batch_size=2)
    assert res.steps == 2 and (tmp_path / "dp.pt").is_file()
    info = load(tmp_path / "dp.pt").meta["personalized"]
    assert info["method"] == "pse-dp" and info["init"] == TINY and info["minutes_of_recordings"] == 1.33


def test_too_little_audio_is_one_error_line(tmp_path, capsys):
    sf.write(tmp_path / "memo.wav", _voice(12, 9, 0.01), SR)
    rc = main(["personalize", str(tmp_path / "memo.wav"), "-o", str(tmp_path / "me.pt"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and err == [
        f"hush: error: {tmp_path / 'memo.wav'}: 12.0 s of audio in 1 file(s); personalization needs at least 60 s "
        "of the user's recordings"
    ]
    rc = main(["personalize", str(tmp_path / "nothing*.wav"), "-o", str(tmp_path / "me.pt")])
    assert rc == 1 and capsys.readouterr().err.strip().splitlines() == [
        f"hush: error: {tmp_path / 'nothing*.wav'}: no file matches this pattern"
    ]


def test_snr_ranks_noisier_recordings_lower_and_plots(tmp_path, capsys):
    rng = np.random.default_rng(5)
    speech = 0.1 * harmonic_speech(rng, 6 * SR, SR)
    white = rng.standard_normal(6 * SR)
    for name, snr in (("clean", 20.0), ("noisy", -5.0)):
        g = np.sqrt(np.mean(speech**2) / np.mean(white**2) / 10 ** (snr / 10))
        sf.write(tmp_path / f"{name}.wav", (speech + g * white).astype(np.float32), SR)
    assert main(["snr", str(tmp_path / "clean.wav"), str(tmp_path / "noisy.wav"), "--summary"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    means = [float(line.split("mean ")[1].split(" dB")[0]) for line in lines]
    assert len(lines) == 2 and means[0] > means[1] + 10, lines
    track = hush.snr(sf.read(tmp_path / "noisy.wav")[0], SR)
    assert track.mean_db == pytest.approx(means[1], abs=0.05) and len(track.db) == 1 + (6 * SR - 1024) // 256
    assert main(["snr", str(tmp_path / "noisy.wav"), "--plot", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    assert main(["snr", str(tmp_path / "clean.wav"), str(tmp_path / "noisy.wav"), "--plot", "x.png"]) == 1
    assert capsys.readouterr().err.strip() == "hush: error: --plot draws one file, got 2"


def test_personalized_default_keeps_its_latency_and_streams(calls, tmp_path):
    out = tmp_path / "me.pt"
    args = ["personalize", str(calls), "-o", str(out), "--max-steps", "2", "--valid-every", "2", "--batch-size", "2"]
    assert main([*args, "--quiet"]) == 0
    mine, default = hush.Streamer(str(out), sr=SR), hush.Streamer("default", sr=SR)
    assert mine.latency_ms == default.latency_ms and mine.delay == default.delay
    x = _voice(2, 7, 0.02)
    offline = hush.enhance(x, SR, method=str(out))
    assert not np.allclose(offline, hush.enhance(x, SR, method="default"), atol=1e-4)  # the weights did change
    streamed = np.concatenate([mine.process(x[i : i + 160]) for i in range(0, len(x), 160)] + [mine.flush()])
    np.testing.assert_allclose(streamed[mine.delay : mine.delay + len(x)], offline, atol=1e-4)


def test_target_and_own_noise_options_reach_the_model_file(calls, tmp_path):
    start = tmp_path / "start.pt"
    assert main(["personalize", str(calls), "-o", str(start), "--init", TINY, "--max-steps", "2", "--quiet"]) == 0
    assert load(start).meta["personalized"]["target"] == "recording"  # from scratch: the paper's target
    common = ["--init", str(start), "--max-steps", "2", "--valid-every", "2", "--batch-size", "2", "--quiet"]
    assert main(["personalize", str(calls), "-o", str(tmp_path / "a.pt"), *common]) == 0
    assert main(["personalize", str(calls), "-o", str(tmp_path / "b.pt"), *common, "--target", "recording",
                 "--no-own-noise"]) == 0  # fmt: skip
    a, b = load(tmp_path / "a.pt").meta["personalized"], load(tmp_path / "b.pt").meta["personalized"]
    assert (a["target"], a["own_noise"]) == ("enhanced", True)  # the defaults from a trained start
    assert (b["target"], b["own_noise"]) == ("recording", False)
