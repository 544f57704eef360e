"""The JavaScript reference client (clients/js, onnxruntime-web under Node) matches hush's onnx backend."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from hush.cli import main  # noqa: E402
from hush.models import build_model, save  # noqa: E402
from tests.helpers.signals import speech_like  # noqa: E402

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "js"
SR = 16000


def _find_node() -> str:
    """The node executable; skips the whole module (one line) when the client cannot run here."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found on PATH: the JavaScript client is not tested", allow_module_level=True)
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    major = re.match(r"v(\d+)", out)
    if not major or int(major.group(1)) < 18:
        pytest.skip(f"node {out.strip()} is older than 18: the JavaScript client needs 18+", allow_module_level=True)
    if not (CLIENT / "node_modules" / "onnxruntime-web").is_dir():
        pytest.skip("clients/js/node_modules missing: run `npm ci --prefix clients/js`", allow_module_level=True)
    return node


NODE = _find_node()


def run_client(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NODE, str(CLIENT / "enhance.mjs"), *map(str, args)], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A small erbdf at a realistic STFT size, with a lookahead frame and the spectral convolution, exported."""
    tmp = tmp_path_factory.mktemp("js-client")
    torch.manual_seed(0)
    model = build_model(
        "erbdf", n_fft=320, hop=160, erb_bands=16, df_bins=32, hidden=32, layers=2, lookahead_frames=1, spec_conv=4
    ).eval()
    torch.nn.init.normal_(model.spec_proj.weight, std=0.05)  # it starts at zero: give that path a say
    save(model, tmp / "model.pt")
    assert main(["export", "onnx", "-m", str(tmp / "model.pt"), "-o", str(tmp / "model.onnx")]) == 0
    return tmp / "model.onnx"


def gappy_speech(seconds: float = 3.0) -> np.ndarray:
    """Speech-like audio over a low noise floor, with runs of exact zeros (muted microphone, edited audio)."""
    x = speech_like(SR, seconds, seed=1) + 0.003 * np.random.RandomState(5).randn(int(SR * seconds))
    for start, length in ((0.5, 0.25), (1.6, 0.2), (seconds - 0.1, 0.1)):
        x[int(start * SR) : int((start + length) * SR)] = 0.0
    return x.astype(np.float32)


def hush_and_client(model: Path, x: np.ndarray, tmp_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``x`` enhanced by `hush enhance -m model.onnx` and by the JavaScript client (float WAV in, both read back)."""
    sf.write(tmp_path / "noisy.wav", x, SR, subtype="FLOAT")
    assert main(["enhance", str(tmp_path / "noisy.wav"), "-o", str(tmp_path / "hush"), "-m", str(model), "-q"]) == 0
    res = run_client(model, tmp_path / "noisy.wav", tmp_path / "js.wav")
    assert res.returncode == 0, res.stderr
    ref, sr_ref = sf.read(tmp_path / "hush" / "noisy.wav", dtype="float64")
    got, sr_got = sf.read(tmp_path / "js.wav", dtype="float64")
    assert sf.info(tmp_path / "js.wav").subtype == "FLOAT"
    assert sr_got == sr_ref == SR and got.shape == ref.shape == x.shape
    return ref, got


def snr_db(ref: np.ndarray, got: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - got) ** 2), 1e-30)))


def test_js_client_matches_onnx_backend(tmp_path, exported):
    x = gappy_speech()
    ref, got = hush_and_client(exported, x, tmp_path)
    assert np.sum((ref - x) ** 2) > 1e-3 * np.sum(x**2)  # the model does change the signal
    snr = snr_db(ref, got)
    assert snr >= 100, f"JavaScript client vs hush's onnx backend: {snr:.1f} dB SNR"


def test_js_client_pcm16_stereo_in(tmp_path, exported):
    """16-bit stereo input: averaged to mono, written back as 16-bit, same as hush on the averaged signal."""
    x = gappy_speech(1.0)
    stereo = np.stack([x, 0.5 * x[::-1]], axis=1)
    sf.write(tmp_path / "stereo.wav", stereo, SR, subtype="PCM_16")
    pcm, _ = sf.read(tmp_path / "stereo.wav", dtype="float32")
    sf.write(tmp_path / "mono.wav", pcm.mean(axis=1, dtype=np.float64).astype(np.float32), SR, subtype="FLOAT")
    assert main(["enhance", str(tmp_path / "mono.wav"), "-o", str(tmp_path / "hush"), "-m", str(exported), "-q"]) == 0
    res = run_client(exported, tmp_path / "stereo.wav", tmp_path / "js.wav")
    assert res.returncode == 0, res.stderr
    info = sf.info(tmp_path / "js.wav")
    assert (info.subtype, info.channels, info.frames) == ("PCM_16", 1, len(x))
    ref, _ = sf.read(tmp_path / "hush" / "mono.wav", dtype="float64")
    got, _ = sf.read(tmp_path / "js.wav", dtype="int16")
    assert np.max(np.abs(got - np.clip(ref * 32768, -32768, 32767))) <= 0.5 + 1e-3


def test_js_client_errors_are_one_line(tmp_path, exported):
    sf.write(tmp_path / "8k.wav", np.zeros(8000, np.float32), 8000, subtype="FLOAT")
    sf.write(tmp_path / "short.wav", np.zeros(100, np.float32), SR, subtype="FLOAT")
    sf.write(tmp_path / "24bit.wav", np.zeros(SR, np.float32), SR, subtype="PCM_24")
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x07not a model")
    cases = [
        ((exported, tmp_path / "8k.wav"), "sample rate 8000 Hz, the model runs at 16000 Hz"),
        ((exported, tmp_path / "short.wav"), "too short: 100 samples"),
        ((exported, tmp_path / "24bit.wav"), "unsupported WAV sample format: 24-bit PCM"),
        ((exported, tmp_path / "junk.wav"), "not a WAV file"),
        ((exported, tmp_path / "none.wav"), "input file not found"),
        ((tmp_path / "none.onnx", tmp_path / "8k.wav"), "model file not found"),
        ((tmp_path / "junk.onnx", tmp_path / "8k.wav"), "not an ONNX file"),
    ]
    for args, message in cases:
        res = run_client(*args, tmp_path / "out.wav")
        assert res.returncode == 1 and message in res.stderr, (args, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "out.wav").exists()


def test_js_client_runs_an_fp16_export(tmp_path):
    """Weights stored in fp16 (`--quantize fp16`, the edge size) run in onnxruntime-web as in hush's backend."""
    torch.manual_seed(1)
    model = build_model("erbdf", n_fft=320, hop=160, erb_bands=16, df_bins=32, hidden=32, layers=2).eval()
    save(model, tmp_path / "model.pt", half=True)
    out = tmp_path / "model16.onnx"
    assert main(["export", "onnx", "-m", str(tmp_path / "model.pt"), "-o", str(out), "--quantize", "fp16", "-q"]) == 0
    ref, got = hush_and_client(out, gappy_speech(1.5), tmp_path)
    snr = snr_db(ref, got)
    assert snr >= 100, f"JavaScript client vs hush's onnx backend (fp16 weights): {snr:.1f} dB SNR"
