"""Suppression control for every method: ``atten_lim_db`` (maximum suppression per bin) and ``mix`` (dry/wet)."""

import numpy as np
import pytest
import soundfile as sf
import torch

import hush
from hush import models
from hush.cli import main
from hush.dsp.stft import stft
from hush.errors import MethodError
from hush.methods import Enhancer, StreamProcessor, resolve
from hush.methods.control import ControlledEnhancer, ControlledStream, validate_control
from hush.models import build_model
from hush.models.enhancer import ModelEnhancer, ModelStream
from hush.models.model_file import save
from tests.helpers.signals import mix_at_snr, speech_like

SR = 16000


@pytest.fixture(scope="module")
def noisy():
    s = speech_like(seconds=2.0)
    return mix_at_snr(s, np.random.RandomState(1).randn(len(s)), 5.0)


def tiny(arch: str) -> ModelEnhancer:
    torch.manual_seed(0)
    return ModelEnhancer(build_model(arch, **models.get(arch).tiny_config()))


@pytest.fixture(scope="module")
def erbdf():
    return tiny("erbdf")


@pytest.fixture(scope="module")
def gru():
    return tiny("gru")


def run_stream(proc: StreamProcessor, x: np.ndarray, chunk: int = 333) -> np.ndarray:
    out = np.concatenate([proc.process(x[i : i + chunk]) for i in range(0, len(x), chunk)] + [proc.flush()])
    assert len(out) == len(x) + proc.delay
    return out[proc.delay :]


def suppression_db(x: np.ndarray, y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Per-bin suppression (dB) of ``y`` against ``x``, measured with the causal STFT."""
    mx, my = np.abs(stft(x, n_fft, hop)), np.abs(stft(y, n_fft, hop))
    keep = mx > 1e-4 * mx.max()
    return 20 * np.log10(mx[keep] / np.maximum(my[keep], 1e-12))


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "atten, mix", [(0, 1.0), (-3, 1.0), ("loud", 1.0), (None, 1.5), (None, -0.1), (None, float("nan")), (None, True)]
)
def test_bad_values_raise_one_line(atten, mix):
    with pytest.raises(MethodError) as e:
        validate_control(atten, mix)
    assert "\n" not in str(e.value)
    with pytest.raises(MethodError):
        hush.enhance(np.zeros(SR, np.float32), SR, "wiener", atten_lim_db=atten, mix=mix)


def test_defaults_leave_the_method_alone(noisy):
    assert validate_control(float("inf"), None) == (None, 1.0)
    enh = resolve("mmse-lsa")
    assert resolve(enh) is enh and hush.load_method(enh) is enh
    np.testing.assert_array_equal(
        hush.enhance(noisy, SR, "mmse-lsa", atten_lim_db=None, mix=1.0), hush.enhance(noisy, SR, "mmse-lsa")
    )


# ------------------------------------------------------------------------------------------------ mix


@pytest.mark.parametrize("method", ["erbdf", "gru", "mmse-lsa", "spectral-subtraction"])
def test_mix(method, noisy, request):
    enh = request.getfixturevalue(method) if method in ("erbdf", "gru") else resolve(method)
    wet = hush.enhance(noisy, SR, enh)
    np.testing.assert_allclose(hush.enhance(noisy, SR, enh, mix=0.0), noisy, atol=1e-5)
    np.testing.assert_allclose(hush.enhance(noisy, SR, enh, mix=1.0), wet, atol=1e-6)
    np.testing.assert_allclose(hush.enhance(noisy, SR, enh, mix=0.5), 0.5 * (noisy + wet), atol=1e-5)
    assert type(resolve(enh, mix=0.5)) is type(enh)  # native: no wrapper, no added latency


# ------------------------------------------------------------------------------------------------ attenuation limit


def test_stft_model_limit_is_exact_on_its_spectrum(erbdf, noisy):
    model = resolve(erbdf, atten_lim_db=6).model
    assert erbdf.model.atten_lim_db is None  # the caller's model is not changed
    with torch.no_grad():
        out = model(torch.from_numpy(noisy)[None])
    ratio = out["enhanced_spec"].abs() / out["spec"].abs().clamp_min(1e-12)
    assert float(ratio[out["spec"].abs() > 1e-6].min()) >= 10 ** (-6 / 20) * (1 - 1e-4)
    with torch.no_grad():
        plain = erbdf.model(torch.from_numpy(noisy)[None])
    assert float(plain["enhanced_spec"].abs().div(plain["spec"].abs().clamp_min(1e-12)).min()) < 0.1  # it did act


@pytest.mark.parametrize("method", ["gru", "mmse-lsa", "wiener"])
def test_limit_caps_measured_suppression(method, noisy, request):
    enh = request.getfixturevalue(method) if method == "gru" else resolve(method)
    n_fft, hop = (enh.model.n_fft, enh.model.hop_size) if method == "gru" else (512, 256)
    plain = hush.enhance(noisy, SR, enh)
    limited = hush.enhance(noisy, SR, enh, atten_lim_db=6)
    sup_plain, sup = suppression_db(noisy, plain, n_fft, hop), suppression_db(noisy, limited, n_fft, hop)
    assert np.percentile(sup_plain, 99) > 9
    # resynthesis (overlap-add of modified frames) moves a few re-analysed bins; the bulk respects the cap
    assert np.median(sup) <= 6.0 + 1e-3
    assert np.percentile(sup, 98) < 7.0
    assert np.mean(sup > 7.0) < 0.02
    assert np.sum(limited**2) > np.sum(plain**2)


def test_classical_limit_is_exact_per_frame(noisy):
    enh = resolve("spectral-subtraction", atten_lim_db=6)  # a rule with one frame of lookahead
    spec = stft(noisy.astype(np.float64), 512, 256)
    proc = enh.frame_processor(SR)
    out = [f for frame in spec for f in proc.push(frame)] + proc.flush()
    assert len(out) == len(spec)
    ratio = np.abs(np.stack(out)) / np.maximum(np.abs(spec), 1e-30)
    assert ratio.min() >= 10 ** (-6 / 20) - 1e-9
    assert np.isclose(ratio.min(), 10 ** (-6 / 20))


# ------------------------------------------------------------------------------------------------ streaming


@pytest.mark.parametrize("method", ["erbdf", "gru"])
def test_stft_model_stream_equals_offline(method, noisy, request):
    enh = resolve(request.getfixturevalue(method), atten_lim_db=6, mix=0.7)
    proc = enh.stream(SR)
    assert isinstance(proc, ModelStream) and proc.delay == enh.model.stream_delay  # no added latency
    np.testing.assert_allclose(run_stream(proc, noisy), enh.enhance(noisy, SR), atol=1e-4)


def test_classical_stream_equals_offline(noisy):
    for method in ("mmse-lsa", "spectral-subtraction"):
        enh = resolve(method, atten_lim_db=6, mix=0.7)
        proc = enh.stream(SR)
        assert proc.delay == resolve(method).stream(SR).delay
        np.testing.assert_allclose(run_stream(proc, noisy), enh.enhance(noisy, SR), atol=1e-5)


class DelayedGain(Enhancer):
    """Toy causal method: a 0.2 gain with a bass-cut FIR, streaming with a delay that is not a multiple of the hop."""

    name = "toy"
    sample_rate = SR
    taps = np.array([0.2, -0.1, 0.05])

    def enhance(self, x, sr):
        return np.convolve(x, self.taps)[: len(x)].astype(np.float32)

    def stream(self, sr):
        return _ToyStream(self)


class _ToyStream(StreamProcessor):
    delay = 37

    def __init__(self, enh):
        self.enh, self.x = enh, np.zeros(0, np.float32)
        self.pending = np.zeros(self.delay, np.float32)

    def process(self, chunk):
        self.x = np.concatenate([self.x, chunk])
        y = self.enh.enhance(self.x, SR)[len(self.x) - len(chunk) :]
        out = np.concatenate([self.pending, y])
        self.pending = out[len(chunk) :]
        return out[: len(chunk)]

    def flush(self):
        out = self.pending
        self.x, self.pending = np.zeros(0, np.float32), np.zeros(self.delay, np.float32)
        return out


def test_generic_wrapper_offline_and_stream(noisy):
    toy = DelayedGain()
    plain = toy.enhance(noisy, SR)
    np.testing.assert_allclose(run_stream(toy.stream(SR), noisy), plain, atol=1e-6)
    mixed = resolve(toy, mix=0.25)
    assert isinstance(mixed, ControlledEnhancer)
    np.testing.assert_allclose(mixed.enhance(noisy, SR), 0.25 * plain + 0.75 * noisy, atol=1e-6)
    np.testing.assert_allclose(resolve(toy, mix=0.0).enhance(noisy, SR), noisy, atol=1e-6)
    proc = mixed.stream(SR)
    assert proc.delay == 37  # the mix alone adds no latency
    np.testing.assert_allclose(run_stream(proc, noisy), mixed.enhance(noisy, SR), atol=1e-6)

    limited = resolve(toy, atten_lim_db=6, mix=0.8)
    y = limited.enhance(noisy, SR)
    sup = suppression_db(noisy, resolve(toy, atten_lim_db=6).enhance(noisy, SR), 512, 256)
    assert np.median(sup) <= 6.0 + 1e-3 and np.percentile(sup, 98) < 7.0
    assert np.median(suppression_db(noisy, plain, 512, 256)) > 12
    proc = limited.stream(SR)
    assert isinstance(proc, ControlledStream)
    assert proc.delay == 37 + (256 - 37) + 256  # inner delay, aligned to the hop, plus the limiter's overlap
    for chunk in (1, 160, 1000):
        np.testing.assert_allclose(run_stream(proc, noisy[:6000], chunk), limited.enhance(noisy[:6000], SR), atol=1e-5)
    np.testing.assert_allclose(run_stream(proc, noisy), y, atol=1e-5)  # reusable after flush
    assert resolve(limited, atten_lim_db=None, mix=1.0) is toy  # values replace, they do not stack


def test_generic_wrapper_on_a_waveform_model(noisy):
    enh = resolve(tiny("wave-u-net"), atten_lim_db=6, mix=0.5)
    assert isinstance(enh, ControlledEnhancer)
    x = noisy[:8000]
    np.testing.assert_allclose(run_stream(enh.stream(SR), x, 512), enh.enhance(x, SR), atol=1e-4)


def test_non_streaming_method_raises_clearly():
    class Offline(DelayedGain):
        causal = False

        def stream(self, sr):
            raise NotImplementedError("toy does not support streaming")

    with pytest.raises(NotImplementedError, match="toy does not support streaming"):
        resolve(Offline(), atten_lim_db=6).stream(SR)


# ------------------------------------------------------------------------------------------------ specs, files, CLI


def test_options_in_method_specs_and_model_files(tmp_path, gru, noisy):
    want = hush.enhance(noisy, SR, "mmse-lsa", atten_lim_db=12, mix=0.8)
    np.testing.assert_array_equal(hush.enhance(noisy, SR, "mmse-lsa:atten_lim_db=12,mix=0.8"), want)
    path = save(gru.model, tmp_path / "tiny.pt")
    enh = hush.load_method(f"{path}:mix=0.5", atten_lim_db=6)  # spec values and keywords combine
    assert (enh.model.atten_lim_db, enh.model.mix) == (6, 0.5)
    np.testing.assert_allclose(
        enh.enhance(noisy, SR), resolve(gru, atten_lim_db=6, mix=0.5).enhance(noisy, SR), atol=1e-6
    )
    with pytest.raises(MethodError, match="mix must be between 0"):
        hush.load_method(f"{path}:mix=2")


def test_enhance_file_matches_arrays(tmp_path, noisy):
    src = tmp_path / "in.wav"
    sf.write(src, noisy, SR, subtype="FLOAT")
    hush.enhance_file(src, tmp_path / "out.wav", "mmse-lsa", atten_lim_db=6, mix=0.5)
    y, _ = sf.read(tmp_path / "out.wav", dtype="float32")
    np.testing.assert_allclose(y, hush.enhance(noisy, SR, "mmse-lsa", atten_lim_db=6, mix=0.5), atol=1e-5)


def test_cli_flags_and_worker_pass_through(tmp_path, noisy, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "b"):
        sf.write(src / f"{name}.wav", noisy, SR, subtype="PCM_16")
    dry = tmp_path / "dry"
    assert main(["enhance", str(src), "-o", str(dry), "-m", "wiener", "--mix", "0", "-j", "2", "-q"]) == 0
    for name in ("a", "b"):  # mix 0 in the worker processes: the input, unchanged
        np.testing.assert_array_equal(
            sf.read(dry / f"{name}.wav", dtype="int16")[0], sf.read(src / f"{name}.wav", dtype="int16")[0]
        )
    out = tmp_path / "out"
    args = ["enhance", str(src / "a.wav"), "-o", str(out), "-m", "wiener", "--atten-lim-db", "6", "--mix", "0.8", "-q"]
    assert main(args) == 0
    ref = tmp_path / "ref.wav"
    hush.enhance_file(src / "a.wav", ref, "wiener", atten_lim_db=6, mix=0.8)
    np.testing.assert_array_equal(sf.read(out / "a.wav")[0], sf.read(ref)[0])


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--mix", "1.5"], "mix must be between 0"),
        (["--atten-lim-db", "0"], "atten_lim_db must be a positive"),
        (["--atten-lim-db", "-6"], "atten_lim_db must be a positive"),
    ],
)
def test_cli_bad_values(tmp_path, noisy, capsys, flags, message):
    sf.write(tmp_path / "a.wav", noisy, SR)
    assert main(["enhance", str(tmp_path / "a.wav"), "-o", str(tmp_path / "out"), "-m", "wiener", "-q", *flags]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("hush: error: ") and message in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_cli_help_documents_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["enhance", "--help"])
    text = capsys.readouterr().out
    assert "--atten-lim-db DB" in text and "--mix M" in text
    with pytest.raises(SystemExit) as e:
        main(["enhance", "x.wav", "-o", "out", "--mix", "half"])
    assert e.value.code == 2


def test_model_file_default_limit_applies_and_can_be_overridden(tmp_path, noisy):
    """A model file may carry a default limit (meta "inference"); explicit options replace it, inf removes it."""
    torch.manual_seed(0)
    model = build_model("erbdf", **models.get("erbdf").tiny_config()).eval()
    save(model, tmp_path / "plain.pt")
    save(model, tmp_path / "limited.pt", meta={"inference": {"atten_lim_db": 6.0}})
    plain, limited = resolve(str(tmp_path / "plain.pt")), resolve(str(tmp_path / "limited.pt"))
    assert plain.model.atten_lim_db is None and limited.model.atten_lim_db == 6.0
    want = ModelEnhancer(model).with_control(6.0, 1.0).enhance(noisy, SR)
    np.testing.assert_allclose(limited.enhance(noisy, SR), want, atol=1e-6)
    assert not np.allclose(plain.enhance(noisy, SR), want, atol=1e-4)  # the limit really acts on this input
    assert resolve(str(tmp_path / "limited.pt"), atten_lim_db=12.0).model.atten_lim_db == 12.0
    unlimited = resolve(str(tmp_path / "limited.pt"), atten_lim_db=float("inf"))
    assert unlimited.model.atten_lim_db is None
    np.testing.assert_allclose(unlimited.enhance(noisy, SR), plain.enhance(noisy, SR), atol=1e-6)
    mixed = hush.load_method(str(tmp_path / "limited.pt"), mix=0.5)  # a mix alone keeps the file's limit
    assert (mixed.model.atten_lim_db, mixed.model.mix) == (6.0, 0.5)


def test_model_file_presets_select_a_named_setting(tmp_path, noisy):
    """A model file may name settings (meta "inference" "presets"); ``preset=`` picks one, explicit options win."""
    torch.manual_seed(0)
    model = build_model("erbdf", **models.get("erbdf").tiny_config()).eval()
    meta = {"inference": {"presets": {"asr": {"atten_lim_db": 9.0, "mix": 0.8}}}}
    save(model, tmp_path / "m.pt", meta=meta)
    asr = resolve(f"{tmp_path / 'm.pt'}:preset=asr")
    assert (asr.model.atten_lim_db, asr.model.mix) == (9.0, 0.8)
    want = ModelEnhancer(model).with_control(9.0, 0.8).enhance(noisy, SR)
    np.testing.assert_allclose(asr.enhance(noisy, SR), want, atol=1e-6)
    assert resolve(str(tmp_path / "m.pt")).model.atten_lim_db is None  # a preset is never applied unasked
    over = resolve(str(tmp_path / "m.pt"), preset="asr", mix=1.0)
    assert (over.model.atten_lim_db, over.model.mix) == (9.0, 1.0)
    via_api = hush.load_method(str(tmp_path / "m.pt"), preset="asr", atten_lim_db=12.0)
    assert (via_api.model.atten_lim_db, via_api.model.mix) == (12.0, 0.8)
    with pytest.raises(MethodError, match="unknown preset 'loud'; its presets: asr"):
        resolve(str(tmp_path / "m.pt"), preset="loud")
    with pytest.raises(MethodError, match="has no presets"):
        resolve("wiener", preset="asr")
    save(model, tmp_path / "bad.pt", meta={"inference": {"presets": {"asr": {"atten_lim_db": -3}}}})
    with pytest.raises(MethodError, match="atten_lim_db must be a positive"):
        resolve(str(tmp_path / "bad.pt"))
