"""ONNX export (one frame graph with explicit state) and the onnxruntime backend agree with the PyTorch models."""

import json
import sys

import numpy as np
import pytest
import soundfile as sf
import torch

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from hush import models  # noqa: E402
from hush.cli import main  # noqa: E402
from hush.errors import MethodError, MissingExtraError  # noqa: E402
from hush.methods import resolve  # noqa: E402
from hush.metrics.sdr import si_sdr  # noqa: E402
from hush.models import model_file  # noqa: E402
from hush.models.base import build_model  # noqa: E402
from hush.models.enhancer import ModelEnhancer, ModelStream  # noqa: E402
from hush.onnx_backend.cache import to_onnx_enhancer  # noqa: E402
from hush.onnx_backend.export import ExportError, export_onnx  # noqa: E402
from hush.onnx_backend.metadata import read_metadata  # noqa: E402
from hush.onnx_backend.runtime import OnnxEnhancer, OnnxModel  # noqa: E402
from tests.helpers.signals import mix_at_snr, speech_like  # noqa: E402

CHUNKS = (1, 37, 64, 1000)


def tiny(arch: str, seed: int = 0, **extra):
    torch.manual_seed(seed)
    model = build_model(arch, **{**models.get(arch).tiny_config(), **extra}).eval()
    if extra.get("spec_conv"):  # its projection starts at zero: give the encoder path a say in the output
        torch.nn.init.normal_(model.spec_proj.weight, std=0.05)
    return model


def snr_db(ref: np.ndarray, est: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / max(np.sum((ref - est) ** 2.0), 1e-30)))


def stream_all(proc, x: np.ndarray, chunk: int) -> np.ndarray:
    return np.concatenate([proc.process(x[i : i + chunk]) for i in range(0, len(x), chunk)] + [proc.flush()])


@pytest.fixture(scope="module")
def signal():
    clean = speech_like(seconds=1.0)
    return clean, mix_at_snr(clean, np.random.RandomState(3).randn(len(clean)), 5.0)


@pytest.mark.parametrize(
    ("arch", "extra"),
    [
        ("erbdf", {}),
        ("erbdf", {"lookahead_frames": 2}),
        ("erbdf", {"spec_conv": 4}),
        ("erbdf", {"post_filter_beta": 0.05}),
        ("erbdf", {"feature_floor": 1e-6, "spec_conv": 4}),
        ("gru", {}),
        ("lstm", {}),
        ("crn", {"output": "complex"}),
        ("transformer", {}),
        ("cnn1d", {}),
    ],
)
def test_export_agrees_with_torch_stream_and_offline(tmp_path, signal, arch, extra):
    model = tiny(arch, **extra)
    path = export_onnx(model, tmp_path / f"{arch}.onnx", exporter="torchscript")
    meta = read_metadata(path)
    assert meta["check"]["snr_db"] > 100

    # metadata: JSON round trip and consistent with the model and the graph
    assert json.loads(json.dumps(meta)) == meta
    assert meta["arch"] == arch and meta["config"] == json.loads(json.dumps(model.config))
    assert (meta["sample_rate"], meta["n_fft"], meta["hop"]) == (model.sample_rate, model.n_fft, model.hop_size)
    assert meta["stream_delay"] == model.stream_delay and meta["window"] == "sqrt_hann"
    assert build_model(meta["arch"], **meta["config"]).config == model.config
    om = OnnxModel(path)
    graph_inputs = {i.name: i.shape for i in om.session.get_inputs()}
    assert set(graph_inputs) == {"spec_re", "spec_im", *(s["input"] for s in meta["state"])}
    assert graph_inputs["spec_re"] == [1, 1, model.n_bins]
    for s in meta["state"]:
        assert graph_inputs[s["input"]] == s["shape"]
        assert s["init"] == "zeros"
    assert [o.name for o in om.session.get_outputs()][:2] == ["enhanced_re", "enhanced_im"]

    # streaming: equal to the PyTorch stream for any chunk size (same delay, same length)
    _, x = signal
    enh = OnnxEnhancer(path)
    for chunk in CHUNKS:
        want = stream_all(ModelStream(model), x, chunk)
        got = stream_all(enh.stream(16000), x, chunk)
        assert len(got) == len(want) == len(x) + model.stream_delay
        assert snr_db(want, got) > 60 and np.abs(got - want).max() < 1e-5, (chunk, snr_db(want, got))
    # offline: the stream minus its delay equals the model's offline pass
    ref = model.enhance(x)
    y = enh.enhance(x, 16000)
    assert y.shape == x.shape and y.dtype == np.float32
    assert snr_db(ref, y) > 60 and np.abs(y - ref).max() < 1e-5


@pytest.mark.slow
def test_erbdf_default_exporter_and_dynamo(tmp_path, signal):
    """The default ("auto": dynamo first) path on the family of the bundled model."""
    model = tiny("erbdf", seed=1)
    model.train()
    path = export_onnx(model, tmp_path / "erbdf.onnx")
    assert model.training  # mode restored
    meta = read_metadata(path)
    assert meta["exporter"] in ("dynamo", "torchscript") and meta["check"]["snr_db"] > 100
    names = [s["name"] for s in meta["state"]]
    assert names == ["0", "1.re", "1.im"]  # (GRU state, deep-filter past spectra as real/imag)
    _, x = signal
    model.eval()
    y = OnnxEnhancer(path).enhance(x, 16000)
    assert snr_db(model.enhance(x), y) > 60


def test_int8_quantization(tmp_path, signal):
    clean, noisy = signal
    model = tiny("erbdf", seed=2, hidden=32)
    fp32 = export_onnx(model, tmp_path / "fp32.onnx", exporter="torchscript")
    int8 = export_onnx(model, tmp_path / "int8.onnx", exporter="torchscript", quantize="int8")
    meta = read_metadata(int8)
    assert meta["quantized"] == "int8" and read_metadata(fp32)["quantized"] is None
    assert "quantized" in meta["check"]
    import onnx

    ops = {n.op_type for n in onnx.load(str(int8)).graph.node}
    assert ops & {"MatMulInteger", "DynamicQuantizeMatMul", "DynamicQuantizeLinear"}, ops
    y32 = OnnxEnhancer(fp32).enhance(noisy, 16000)
    y8 = OnnxEnhancer(int8).enhance(noisy, 16000)
    assert np.all(np.isfinite(y8)) and y8.shape == noisy.shape
    change = si_sdr(clean, y8) - si_sdr(clean, y32)
    print(
        f"int8: SI-SDR {si_sdr(clean, y32):.2f} -> {si_sdr(clean, y8):.2f} dB ({change:+.3f}); "
        f"int8 vs fp32 {snr_db(y32, y8):.1f} dB"
    )
    assert abs(change) < 3.0
    assert snr_db(y32, y8) > 10  # lossy, yet the same enhancement


def test_fp16_weights_halve_the_file_and_lose_nothing_on_fp16_models(tmp_path, signal):
    """`--quantize fp16`: weights stored in half precision, computed in fp32. A model whose weights are fp16 values
    (every bundled model file) exports without loss; the file is about half the fp32 one and carries no exporter
    debug records (source paths)."""
    import onnx

    _, noisy = signal
    model = tiny("erbdf", seed=2, hidden=48)
    model_file.save(model, tmp_path / "half.pt", half=True)
    half = model_file.load(tmp_path / "half.pt").eval()  # weights rounded to fp16, held in fp32
    fp32 = export_onnx(half, tmp_path / "fp32.onnx", exporter="torchscript")
    fp16 = export_onnx(half, tmp_path / "fp16.onnx", exporter="torchscript", quantize="fp16")
    meta = read_metadata(fp16)
    assert meta["quantized"] == "fp16" and meta["check"]["quantized"]["snr_db"] >= 100
    assert fp16.stat().st_size < 0.6 * fp32.stat().st_size
    proto = onnx.load(str(fp16))
    assert {i.data_type for i in proto.graph.initializer if len(i.dims) and np.prod(i.dims) >= 64} == {
        onnx.TensorProto.FLOAT16
    }
    assert not any(n.metadata_props or n.doc_string for n in proto.graph.node)
    y32, y16 = OnnxEnhancer(fp32).enhance(noisy, 16000), OnnxEnhancer(fp16).enhance(noisy, 16000)
    assert snr_db(y32, y16) > 100
    assert snr_db(half.enhance(noisy), y16) > 60
    with pytest.raises(ExportError, match="choose int8 or fp16"):
        export_onnx(half, tmp_path / "x.onnx", quantize="int4")


@pytest.mark.parametrize(("arch", "extra"), [("gru", {}), ("erbdf", {"lookahead_frames": 1})])
def test_suppression_control_matches_torch(tmp_path, signal, arch, extra):
    _, x = signal
    model = tiny(arch, **extra)
    path = export_onnx(model, tmp_path / f"{arch}.onnx", exporter="torchscript")
    torch_enh = ModelEnhancer(model).with_control(12.0, 0.8)
    onnx_enh = resolve(str(path), atten_lim_db=12.0, mix=0.8)
    assert isinstance(onnx_enh, OnnxEnhancer) and (onnx_enh.atten_lim_db, onnx_enh.mix) == (12.0, 0.8)
    ref = torch_enh.enhance(x, 16000)
    assert snr_db(ref, onnx_enh.enhance(x, 16000)) > 60
    want = stream_all(torch_enh.stream(16000), x, 100)
    assert snr_db(want, stream_all(onnx_enh.stream(16000), x, 100)) > 60


def test_exported_model_keeps_its_default_limit(tmp_path, signal):
    _, x = signal
    model = tiny("erbdf", lookahead_frames=1)
    model.meta = {"inference": {"atten_lim_db": 9.0}}
    path = export_onnx(model, tmp_path / "limited.onnx", exporter="torchscript")
    enh = resolve(str(path))
    assert isinstance(enh, OnnxEnhancer) and enh.atten_lim_db == 9.0
    assert snr_db(ModelEnhancer(model).with_control(9.0, 1.0).enhance(x, 16000), enh.enhance(x, 16000)) > 60
    assert resolve(str(path), atten_lim_db=float("inf")).atten_lim_db is None


def test_to_onnx_enhancer(tmp_path, monkeypatch, signal):
    monkeypatch.setenv("HUSH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("hush.onnx_backend.cache.CACHE_EXPORTER", "torchscript")  # the faster one
    model = tiny("gru")
    enh = to_onnx_enhancer(ModelEnhancer(model, name="g").with_control(None, 0.5))
    assert isinstance(enh, OnnxEnhancer) and enh.name == "g" and enh.mix == 0.5
    assert len(list((tmp_path / "cache" / "onnx").glob("gru-*.onnx"))) == 1
    assert to_onnx_enhancer(enh) is enh
    wiener = resolve("wiener")
    assert to_onnx_enhancer(wiener) is wiener  # numpy methods are backend-independent
    _, x = signal
    assert snr_db(ModelEnhancer(model).with_control(None, 0.5).enhance(x, 16000), enh.enhance(x, 16000)) > 60


@pytest.mark.parametrize("sr", [16000, 48000])
def test_streamer_onnx_backend_equals_torch_backend(tmp_path, monkeypatch, signal, sr):
    from hush.audio.resample import resample
    from hush.inference.streamer import Streamer

    monkeypatch.setenv("HUSH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("hush.onnx_backend.cache.CACHE_EXPORTER", "torchscript")
    enh = ModelEnhancer(tiny("erbdf"), name="e")
    x = resample(signal[1][None], 16000, sr)[0]
    outs = {}
    for backend in ("torch", "onnx"):
        s = Streamer(enh, sr=sr, backend=backend)
        outs[backend] = (stream_all(s, x, 160 * sr // 16000), s.delay)
    assert outs["torch"][1] == outs["onnx"][1]
    assert snr_db(outs["torch"][0], outs["onnx"][0]) > 60
    assert isinstance(Streamer("wiener", backend="onnx").enhancer, type(resolve("wiener")))


def test_non_exportable_models_give_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match=r"wave-u-net cannot be exported to ONNX .*exportable: .*erbdf.*gru"):
        export_onnx(tiny("wave-u-net"), tmp_path / "w.onnx")
    with pytest.raises(ExportError, match="non-causal"):
        export_onnx(tiny("erbdf", bidirectional=True), tmp_path / "b.onnx")
    assert not list(tmp_path.iterdir())


def test_bad_onnx_files(tmp_path, monkeypatch):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(MethodError, match="bad.onnx"):
        resolve(str(bad))
    with pytest.raises(MethodError, match="not found"):
        resolve(str(tmp_path / "missing.onnx"))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the extra were not installed
    with pytest.raises(MissingExtraError, match=r"hush\[onnx\]"):
        OnnxEnhancer(bad)


def test_cli_export_and_enhance_round_trip(tmp_path, monkeypatch, capsys, signal):
    monkeypatch.setenv("HUSH_CACHE_DIR", str(tmp_path / "cache"))
    _, noisy = signal
    sf.write(tmp_path / "noisy.wav", noisy, 16000, subtype="FLOAT")
    pt = model_file.save(tiny("gru", seed=4), tmp_path / "tiny.pt")
    onnx_path = tmp_path / "tiny.onnx"

    assert main(["export", "onnx", "-m", str(pt), "-o", str(onnx_path), "--exporter", "torchscript"]) == 0
    assert "exported" in capsys.readouterr().err and read_metadata(onnx_path)["arch"] == "gru"
    assert main(["export", "onnx", "-m", str(pt), "-o", str(onnx_path)]) == 1  # exists, no --overwrite
    assert "output exists" in capsys.readouterr().err

    outs = {}
    for name, extra in [
        ("torch", ["-m", str(pt)]),
        ("file", ["-m", str(onnx_path)]),
        ("backend", ["-m", str(pt), "--backend", "onnx"]),
    ]:
        assert main(["enhance", str(tmp_path / "noisy.wav"), "-o", str(tmp_path / name), "-q", *extra]) == 0
        outs[name], sr = sf.read(tmp_path / name / "noisy.wav", dtype="float32")
        assert sr == 16000 and outs[name].shape == noisy.shape
    assert snr_db(outs["torch"], outs["file"]) > 60
    assert snr_db(outs["torch"], outs["backend"]) > 60
    cached = list((tmp_path / "cache" / "onnx").glob("gru-*.onnx"))
    assert len(cached) == 1  # exported once, then reused
    assert read_metadata(cached[0])["check"]["snr_db"] > 100
    print("on-the-fly export:", read_metadata(cached[0])["exporter"])


def test_cli_export_errors(tmp_path, capsys):
    assert main(["export", "onnx", "-m", "wiener", "-o", str(tmp_path / "w.onnx")]) == 1
    assert "wiener is not a neural model" in capsys.readouterr().err
    pt = model_file.save(tiny("wave-u-net"), tmp_path / "w.pt")
    assert main(["export", "onnx", "-m", str(pt), "-o", str(tmp_path / "w.onnx")]) == 1
    err = capsys.readouterr().err
    assert "cannot be exported to ONNX" in err and "exportable:" in err and len(err.strip().splitlines()) == 1
    assert main(["export", "onnx", "-m", str(pt), "-o", str(tmp_path / "w.bin")]) == 1
    assert ".onnx" in capsys.readouterr().err


def test_complex_pairs_match_complex_tensors():
    from hush.onnx_backend.complex_pair import CPair, UnsupportedComplexOp, complex_as_pairs, to_pair

    g = torch.Generator().manual_seed(0)
    a = torch.randn(2, 3, 5, dtype=torch.complex64, generator=g)
    b = torch.randn(2, 3, 5, dtype=torch.complex64, generator=g)
    r = torch.rand(2, 3, 5, generator=g) + 0.5
    pa, pb = to_pair(a), to_pair(b)
    cases = [
        (pa * pb, a * b),
        (pa * r, a * r),
        (r * pa, r * a),
        (pa + pb, a + b),
        (pa - r, a - r),
        (r - pa, r - a),
        (1 - pa, 1 - a),
        (pa / pb, a / b),
        (pa / r, a / r),
        (-pa, -a),
        (pa[:, 1:, ::2], a[:, 1:, ::2]),
        (torch.cat([pa, pb], dim=1), torch.cat([a, b], dim=1)),
        (torch.zeros_like(pa), torch.zeros_like(a)),
        (pa.new_zeros(2, 1, 5), a.new_zeros(2, 1, 5)),
        (pa.transpose(1, 2), a.transpose(1, 2)),
    ]
    for got, want in cases:
        assert isinstance(got, CPair) and got.shape == want.shape
        torch.testing.assert_close(torch.complex(got.re, got.im), want)
    torch.testing.assert_close(pa.abs(), a.abs())
    with complex_as_pairs():
        c = torch.complex(r, 2 * r)
    assert isinstance(c, CPair)
    torch.testing.assert_close(c.imag, 2 * r)
    with pytest.raises(UnsupportedComplexOp, match="not supported by the ONNX export"):
        torch.fft.irfft(pa)


def test_state_flatten_round_trip():
    from hush.onnx_backend.state import flatten, leaf_names, state_spec, unflatten

    state = {
        "rnn": (torch.randn(1, 1, 4), torch.randn(1, 1, 4)),
        "conv": [None, torch.randn(1, 2, 3)],
        "past": torch.randn(1, 2, 3, dtype=torch.complex64),
        "t": 7,
    }
    spec = state_spec(state)
    assert json.loads(json.dumps(spec)) == spec
    names = leaf_names(spec)
    assert names == ["rnn.0", "rnn.1", "conv.1", "past.re", "past.im", "t"]
    flat = flatten(state, spec)
    assert len(flat) == len(names) and flat[-1].dtype == torch.int64
    back = unflatten(spec, flat)
    assert back["t"] == 7 and back["conv"][0] is None and isinstance(back["rnn"], tuple)
    torch.testing.assert_close(back["past"], state["past"])


def test_cli_export_checks_the_destination_before_any_work(tmp_path, capsys, monkeypatch):
    import errno

    import hush.atomic
    import hush.onnx_backend.cache

    def no_work(*a, **k):
        raise AssertionError("the model was loaded before the destination was checked")

    monkeypatch.setattr(hush.onnx_backend.cache, "resolve_model", no_work)
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "m.onnx"
    assert main(["export", "onnx", "-m", "default", "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"hush: error: {out}: cannot write (a file is in the way of its folder)"
    ]

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(hush.atomic.tempfile, "mkstemp", read_only)
    out = tmp_path / "ro" / "m.onnx"
    assert main(["export", "onnx", "-m", "default", "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"hush: error: {out}: cannot write (read-only file system)"]


def test_cli_export_help_says_parent_folders_are_created(capsys):
    with pytest.raises(SystemExit):
        main(["export", "onnx", "--help"])
    assert "parent folders are created" in " ".join(capsys.readouterr().out.split())


def test_export_check_probes_silence_and_refuses_a_diverging_graph(tmp_path, monkeypatch):
    """The check runs 1000 frames with stretches of exact zeros and near-silence; a graph below 60 dB against the
    model is refused and nothing is written."""
    from hush.onnx_backend import export as export_mod
    from hush.onnx_backend.graph import probe_frames

    model = tiny("erbdf")
    frames = probe_frames(model, export_mod.CHECK_FRAMES, seed=1, gaps=True)
    power = frames.abs().square().mean(dim=-1)[0]
    assert export_mod.CHECK_FRAMES >= 1000
    assert int((power == 0).sum()) >= 100  # frames of digital silence
    assert int(((power > 0) & (power < 1e-7)).sum()) >= 100  # and of near-silence
    seen = {}
    real_check = export_mod.check_against_model

    def diverging(*args, **kw):
        seen.update(real_check(*args, **kw))
        return {**seen, "snr_db": 21.0}

    monkeypatch.setattr(export_mod, "check_against_model", diverging)
    with pytest.raises(ExportError, match="differs from the model"):
        export_onnx(model, tmp_path / "m.onnx", exporter="torchscript")
    assert seen["frames"] >= 1000 and seen["snr_db"] >= 60  # the real graph itself passes
    assert not any(tmp_path.iterdir())
