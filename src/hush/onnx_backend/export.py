"""Export a streaming STFT model to one ONNX graph with explicit state.

The graph is one step of the model's ``enhance_spec`` on one frame::

    (spec_re, spec_im, state.<path>...)  ->  (enhanced_re, enhanced_im, next_state.<path>...)

``spec_re``/``spec_im`` are the real and imaginary parts of the frame's sqrt-Hann windowed spectrum, shape
``(1, 1, n_fft // 2 + 1)``; each ``state.<path>`` is one leaf of the model's nested streaming state (a GRU hidden
state, a convolution's past frames, the real or imaginary part of the deep filter's past spectra...), named by its
path in that structure. Framing and overlap-add synthesis stay outside the graph (numpy, in
:mod:`hush.onnx_backend.runtime`), so a runtime feeds ``next_state`` back as ``state`` frame after frame.

Complex arithmetic is traced in real pairs (:mod:`hush.onnx_backend.complex_pair`) through the model's own
``enhance_spec``, so the graph is the model, not a re-implementation; every export is checked numerically against
the PyTorch model over a run of frames before it is written. The file carries a JSON document under the ``hush``
metadata key: architecture and config, rates and STFT, stream delay, input/output/state names, shapes, dtypes and
the initial state, and the check's result.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hush.dsp.stft import sqrt_hann
from hush.errors import MethodError, MissingExtraError
from hush.models.base import SEModel, available_models, model_class
from hush.models.stft_mask import STFTModel
from hush.onnx_backend.complex_pair import CPair, UnsupportedComplexOp, complex_as_pairs, to_pair
from hush.onnx_backend.state import flatten, leaf_names, state_spec, unflatten

FORMAT, VERSION = "hush-onnx", 1
META_KEY = "hush"
SPEC_INPUTS = ("spec_re", "spec_im")
SPEC_OUTPUTS = ("enhanced_re", "enhanced_im")
CHECK_FRAMES = 48
CHECK_MIN_SNR_DB = 60.0
EXPORTERS = ("auto", "dynamo", "torchscript")
CACHE_EXPORTER = "auto"  # exporter of on-the-fly exports (cached_export)


class ExportError(MethodError):
    """A model that cannot be exported, or an export that failed its numerical check."""


def require_onnx(what: str = "ONNX export") -> None:
    """Raise a one-line :class:`MissingExtraError` naming the ``onnx`` extra when a package is missing."""
    import importlib.util

    for mod in ("onnx", "onnxruntime"):
        if importlib.util.find_spec(mod) is None:
            raise MissingExtraError(what, "onnx")


def exportable_archs() -> list[str]:
    """Architectures built on :class:`STFTModel`; their causal configurations export."""
    return [a for a in available_models() if issubclass(model_class(a), STFTModel)]


def check_exportable(model: SEModel) -> None:
    arch = model.arch or type(model).__name__
    if isinstance(model, STFTModel) and model.supports_streaming:
        return
    why = "a non-causal configuration" if isinstance(model, STFTModel) else "not an STFT-domain streaming model"
    raise ExportError(
        f"{arch} cannot be exported to ONNX ({why}); exportable: causal configurations of "
        f"{', '.join(exportable_archs())}"
    )


# ----------------------------------------------------------------------------------------------- state layout


def _probe_frames(model: STFTModel, n: int, seed: int = 0) -> torch.Tensor:
    """``(1, n, F)`` spectra of a deterministic test signal (noise + harmonics, speech-like level and spread)."""
    rng = np.random.RandomState(seed)
    t = np.arange((n + 1) * model.hop_size + model.n_fft) / model.sample_rate
    x = 0.03 * rng.randn(len(t)) + sum(0.05 / k * np.sin(2 * np.pi * 150 * k * t + k) for k in range(1, 12))
    x *= 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2  # level changes so gains move
    spec = model.stft(torch.tensor(x, dtype=torch.float32)[None])
    return spec[:, :n]


def state_layout(model: STFTModel) -> tuple[dict, list[str], list[torch.Tensor]]:
    """(structure, leaf names, initial flattened state) of ``model``'s ``enhance_spec`` state.

    The structure comes from one frame run from ``init_estimator_state``; it must stay the same on the next frame.
    The initial state is ``init_estimator_state`` flattened, or zeros when that is ``None`` (the models create
    zero states on ``None``; the export check confirms the equivalence).
    """
    frames = _probe_frames(model, 2)
    init = model.init_estimator_state(1)
    with torch.no_grad():
        _, _, s1 = model.enhance_spec(frames[:, :1], init)
        _, _, s2 = model.enhance_spec(frames[:, 1:2], s1)
    try:
        spec = state_spec(s1)
    except TypeError as e:
        raise ExportError(f"{model.arch}: cannot export its streaming state ({e})") from None
    if state_spec(s2) != spec:
        raise ExportError(f"{model.arch}: its streaming state changes structure between frames; cannot export")
    leaves = flatten(s1, spec)
    for a, b in zip(leaves, flatten(s2, spec), strict=True):
        if a.shape != b.shape:
            raise ExportError(f"{model.arch}: its streaming state changes shape between frames; cannot export")
    if init is None:
        init_leaves = [torch.zeros_like(x) for x in leaves]
    else:
        if state_spec(init) != spec:
            raise ExportError(f"{model.arch}: init_estimator_state does not match the state structure")
        init_leaves = [x.detach().clone() for x in flatten(init, spec)]
    return spec, leaf_names(spec), init_leaves


class FrameGraph(nn.Module):
    """The exported computation: one frame (real/imag parts) and the flat state in, enhanced frame and state out."""

    def __init__(self, model: STFTModel, spec: dict):
        super().__init__()
        self.model = model
        self.spec = spec

    def forward(self, spec_re: torch.Tensor, spec_im: torch.Tensor, *state: torch.Tensor):
        with complex_as_pairs():
            st = unflatten(self.spec, list(state), pairs=True)
            out, _, new = self.model.enhance_spec(CPair(spec_re, spec_im), st)
            out = to_pair(out)
            flat = flatten(new, self.spec)
        return (out.re, out.im, *flat)


# ------------------------------------------------------------------------------------------------------ export


def _torch_export(graph: FrameGraph, args: tuple, path: Path, opset: int, exporter: str, names: list[str]) -> None:
    in_names = [*SPEC_INPUTS, *(f"state.{n}" for n in names)]
    out_names = [*SPEC_OUTPUTS, *(f"next_state.{n}" for n in names)]
    log = logging.getLogger("torch.onnx")
    level = log.level
    log.setLevel(logging.ERROR)  # "torchvision is not installed" and similar notes
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _run_exporter(graph, args, path, opset, exporter, in_names, out_names)
    finally:
        log.setLevel(level)


def _run_exporter(graph, args, path, opset, exporter, in_names, out_names) -> None:
    if exporter == "dynamo":  # torch.export based; its lowest supported opset is 18
        torch.onnx.export(
            graph,
            args,
            str(path),
            dynamo=True,
            opset_version=max(opset, 18),
            verbose=False,
            input_names=in_names,
            output_names=out_names,
            external_data=False,
        )
    else:  # the legacy TorchScript tracer
        torch.onnx.export(
            graph,
            args,
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=in_names,
            output_names=out_names,
            do_constant_folding=True,
        )


def _session(path: str | os.PathLike | bytes, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(int(threads), 1)
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    src = path if isinstance(path, bytes) else str(path)
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def check_against_model(
    model: STFTModel,
    path: str | os.PathLike,
    spec: dict,
    names: list[str],
    init: list[torch.Tensor],
    n_frames: int = CHECK_FRAMES,
) -> dict[str, float]:
    """Run ``n_frames`` probe frames through the ONNX file and ``model.enhance_spec``; SNR and max abs difference."""
    sess = _session(path)
    frames = _probe_frames(model, n_frames, seed=1)
    state = model.init_estimator_state(1)
    feed_state = [x.numpy() for x in init]
    err = ref = 0.0
    max_diff = 0.0
    for k in range(n_frames):
        x = frames[:, k : k + 1]
        with torch.no_grad():
            y, _, state = model.enhance_spec(x, state)
        feed = {
            "spec_re": x.real.numpy().copy(),
            "spec_im": x.imag.numpy().copy(),
            **{f"state.{n}": v for n, v in zip(names, feed_state, strict=True)},
        }
        res = sess.run(None, feed)
        feed_state = res[2:]
        got = res[0].astype(np.float64) + 1j * res[1]
        want = y.numpy().astype(np.complex128)
        err += float(np.sum(np.abs(got - want) ** 2))
        ref += float(np.sum(np.abs(want) ** 2))
        max_diff = max(max_diff, float(np.max(np.abs(got - want))))
    snr = 10 * np.log10(ref / err) if err > 0 else float("inf")
    return {"frames": n_frames, "snr_db": round(float(min(snr, 999.0)), 2), "max_abs_diff": max_diff}


def _metadata(
    model: STFTModel,
    names: list[str],
    init: list[torch.Tensor],
    opset: int,
    exporter: str,
    check: dict,
    quantized: str | None,
) -> dict[str, Any]:
    state = []
    for n, x in zip(names, init, strict=True):
        arr = x.numpy()
        state.append(
            {
                "name": n,
                "input": f"state.{n}",
                "output": f"next_state.{n}",
                "shape": list(arr.shape),
                "dtype": str(arr.dtype),
                "init": "zeros" if not np.any(arr) else arr.tolist(),
            }
        )
    from hush import __version__

    return {
        "format": FORMAT,
        "version": VERSION,
        "hush_version": __version__,
        "arch": model.arch,
        "config": dict(model.config),
        "sample_rate": int(model.sample_rate),
        "n_fft": int(model.n_fft),
        "hop": int(model.hop_size),
        "n_bins": int(model.n_bins),
        "window": "sqrt_hann",
        "stream_delay": int(model.stream_delay),
        "lookahead": int(model.lookahead),
        "min_length": int(model.min_length),
        "inputs": list(SPEC_INPUTS),
        "outputs": list(SPEC_OUTPUTS),
        "frame_shape": [1, 1, int(model.n_bins)],
        "state": state,
        "opset": opset,
        "exporter": exporter,
        "quantized": quantized,
        "check": check,
        "model_meta": getattr(model, "meta", {}) or {},
    }


def write_metadata(onnx_model, meta: dict[str, Any]) -> None:
    """Set the ``hush`` metadata entry of an ``onnx.ModelProto`` (replacing an old one)."""
    props = [p for p in onnx_model.metadata_props if p.key != META_KEY]
    del onnx_model.metadata_props[:]
    onnx_model.metadata_props.extend(props)
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = META_KEY, json.dumps(meta)


def _learned_weight_nodes(model: nn.Module, proto) -> list[str]:
    """Nodes whose weights int8 quantization may touch: recurrent layers, and matrix products / convolutions whose
    constant operand is a learned parameter (possibly transposed). Fixed matrices (an ERB or mel filterbank applied
    to a power spectrum) stay fp32: dynamic quantization also quantizes their input, whose dynamic range (60 dB and
    more) 8 bits cannot hold.
    """
    from onnx import numpy_helper

    params: dict[int, list[np.ndarray]] = {}
    for p in model.parameters():
        a = p.detach().cpu().numpy()
        params.setdefault(a.size, []).append(a)
    inits = {i.name: i for i in proto.graph.initializer}

    def learned(name: str) -> bool:
        if name not in inits:
            return False
        w = numpy_helper.to_array(inits[name])
        for p in params.get(w.size, []):
            if np.array_equal(w.reshape(p.shape), p) or (p.ndim == 2 and np.array_equal(w.reshape(p.T.shape), p.T)):
                return True
        return False

    nodes = []
    for k, n in enumerate(proto.graph.node):
        n.name = n.name or f"hush_node_{k}"
        if n.op_type in ("LSTM", "GRU") or (n.op_type in ("MatMul", "Gemm", "Conv") and any(map(learned, n.input))):
            nodes.append(n.name)
    if not nodes:
        raise ExportError(f"{getattr(model, 'arch', 'model')}: no learned weight matrices for int8 quantization")
    return nodes


def export_onnx(
    model: SEModel,
    path: str | os.PathLike,
    opset: int = 17,
    quantize: bool | str = False,
    exporter: str = "auto",
    check_frames: int = CHECK_FRAMES,
) -> Path:
    """Write ``model`` as a single-frame ONNX graph with explicit state to ``path``; returns the path.

    ``exporter``: ``"dynamo"`` (``torch.export`` based, opset >= 18), ``"torchscript"`` (the legacy tracer) or
    ``"auto"`` (dynamo, falling back to the legacy tracer if dynamo fails or its graph fails the check). The fp32
    graph is checked against the model (at least ``CHECK_MIN_SNR_DB`` on ``check_frames`` frames) before
    anything is written. ``quantize=True`` or ``"int8"`` then applies onnxruntime's dynamic int8 weight
    quantization.
    """
    require_onnx()
    import onnx

    check_exportable(model)
    if exporter not in EXPORTERS:
        raise ExportError(f"unknown exporter {exporter!r}; choose one of {', '.join(EXPORTERS)}")
    if quantize not in (False, True, "int8", None):
        raise ExportError(f"unknown quantization {quantize!r}; only int8 is supported")
    if not torch.allclose(model.window.float(), torch.tensor(sqrt_hann(model.n_fft), dtype=torch.float32)):
        raise ExportError(f"{model.arch}: only the sqrt-Hann analysis window is supported by the ONNX runtime")
    path = Path(path)
    training = model.training
    model.eval()
    try:
        spec, names, init = state_layout(model)
        graph = FrameGraph(model, spec).eval()
        frame = _probe_frames(model, 1)
        args = (frame.real.contiguous(), frame.imag.contiguous(), *init)
        order = ["dynamo", "torchscript"] if exporter == "auto" else [exporter]
        failures = []
        with tempfile.TemporaryDirectory(prefix="hush-onnx-") as tmp:
            for kind in order:
                raw = Path(tmp) / f"{kind}.onnx"
                try:
                    _torch_export(graph, args, raw, opset, kind, names)
                    check = check_against_model(model, raw, spec, names, init, check_frames)
                except UnsupportedComplexOp as e:
                    raise ExportError(f"{model.arch}: {e}") from None
                except Exception as e:  # an exporter limitation: try the next one
                    failures.append(f"{kind}: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e) else ''}")
                    continue
                if check["snr_db"] < CHECK_MIN_SNR_DB:
                    failures.append(f"{kind}: graph differs from the model ({check['snr_db']} dB SNR)")
                    continue
                break
            else:
                raise ExportError(f"{model.arch}: ONNX export failed ({'; '.join(failures)})")
            proto = onnx.load(str(raw))
            used_opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), opset)
            quantized = None
            if quantize:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                qpath = Path(tmp) / "int8.onnx"
                disabled = logging.root.manager.disable
                logging.disable(logging.WARNING)  # onnxruntime logs advice on the root logger
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        nodes = _learned_weight_nodes(model, proto)  # (names unnamed nodes of proto)
                        quantize_dynamic(proto, str(qpath), weight_type=QuantType.QInt8, nodes_to_quantize=nodes)
                finally:
                    logging.disable(disabled)
                proto = onnx.load(str(qpath))
                quantized = "int8"
                check = {**check, "quantized": check_against_model(model, qpath, spec, names, init, check_frames)}
            write_metadata(proto, _metadata(model, names, init, used_opset, kind, check, quantized))
            proto.producer_name, proto.doc_string = "hush", f"hush {model.arch} streaming frame graph"
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, part = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            os.close(fd)
            try:
                onnx.save(proto, part)
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(part, 0o666 & ~umask)  # mkstemp's 0600 is for scratch files, not deliverables
                os.replace(part, path)
            finally:
                Path(part).unlink(missing_ok=True)
    finally:
        model.train(training)
    return path


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``hush`` metadata document of an exported file (without loading the weights into a session)."""
    require_onnx("reading ONNX files")
    import onnx

    try:
        proto = onnx.load(str(path), load_external_data=False)
    except FileNotFoundError:
        raise MethodError(f"{path}: ONNX file not found") from None
    except Exception as e:
        raise MethodError(f"{path}: not an ONNX file ({type(e).__name__})") from None
    return metadata_from_props({p.key: p.value for p in proto.metadata_props}, path)


def metadata_from_props(props: dict[str, str], path: Any) -> dict[str, Any]:
    if META_KEY not in props:
        raise MethodError(f"{path}: not an ONNX file exported by hush (no '{META_KEY}' metadata)")
    meta = json.loads(props[META_KEY])
    if meta.get("format") != FORMAT:
        raise MethodError(f"{path}: not a hush ONNX export")
    if meta.get("version", 0) > VERSION:
        raise MethodError(f"{path}: ONNX export version {meta['version']} is newer than this hush supports")
    return meta


# ------------------------------------------------------------------------------------------ names and the cache


def _find_model(method: str) -> SEModel | None:
    """The PyTorch model behind a model name or file; ``None`` for methods without one (classical, peers)."""
    from hush.methods.registry import resolve
    from hush.models.files import load

    path = Path(method)
    if path.suffix.lower() == ".onnx":
        raise ExportError(f"{method} is already an ONNX file")
    if path.suffix in {".pt", ".hush"} or path.is_file():
        return load(path)
    model = getattr(resolve(method), "model", None)
    return model if isinstance(model, SEModel) else None


def resolve_model(method: str) -> SEModel:
    """The PyTorch model behind a registered model name (``default``...) or a model file path."""
    model = _find_model(method)
    if model is None:
        raise ExportError(
            f"{method} is not a neural model; ONNX export takes a model name (see `hush list`) or a model file (.pt)"
        )
    return model


def cache_dir() -> Path:
    """``$HUSH_CACHE_DIR``, else ``$XDG_CACHE_HOME/hush`` (``~/.cache/hush``)."""
    if os.environ.get("HUSH_CACHE_DIR"):
        return Path(os.environ["HUSH_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hush"


def model_key(model: SEModel) -> str:
    """Content hash of a model: architecture, config and weights (plus the export format version)."""
    import hashlib

    h = hashlib.sha256(f"{FORMAT}-{VERSION}|{model.arch}|{json.dumps(model.config, sort_keys=True)}".encode())
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:20]


def cached_export(model: SEModel, quantize: bool | str = False) -> Path:
    """``model`` exported once into ``cache_dir()/onnx``, keyed by its content; returns the file."""
    require_onnx()
    check_exportable(model)
    path = cache_dir() / "onnx" / f"{model.arch}-{model_key(model)}{'-int8' if quantize else ''}.onnx"
    if not path.is_file():
        export_onnx(model, path, quantize=quantize, exporter=CACHE_EXPORTER)
    return path


def onnx_method(method: str, quantize: bool | str = False) -> str:
    """A method string for the onnxruntime backend: ``method`` itself when it names an ``.onnx`` file or a method
    without a torch model (classical, peers), else its model exported into the cache (:func:`cached_export`);
    ``name:key=value`` options are kept."""
    from hush.methods.registry import parse_spec

    name, opts = parse_spec(method)
    if Path(name).suffix.lower() == ".onnx":
        return method
    model = _find_model(name)
    if model is None:  # classical methods and peers run in numpy (or their own runtime) on either backend
        return method
    path = str(cached_export(model, quantize))
    return f"{path}:{method.partition(':')[2]}" if opts else path


def to_onnx_enhancer(enhancer: Any) -> Any:
    """``enhancer`` on the onnxruntime backend (the ``backend="onnx"`` hook of streaming and batch enhancement).

    Neural models become an :class:`~hush.onnx_backend.runtime.OnnxEnhancer` over their cached export, keeping
    the name and any suppression control; exported models and methods without a torch model (classical, numpy)
    are returned unchanged; a neural model that cannot be exported raises :class:`ExportError`.
    """
    from hush.onnx_backend.runtime import OnnxEnhancer

    inner = getattr(getattr(enhancer, "inner", None), "model", None)  # generic control around a neural model
    if isinstance(inner, SEModel):
        check_exportable(inner)
    model = getattr(enhancer, "model", None)
    if isinstance(enhancer, OnnxEnhancer) or not isinstance(model, SEModel):
        return enhancer
    onnx_enh = OnnxEnhancer(cached_export(model), name=enhancer.name)
    atten_lim_db, mix = getattr(model, "atten_lim_db", None), float(getattr(model, "mix", 1.0))
    if atten_lim_db is not None or mix != 1.0:
        onnx_enh = onnx_enh.with_control(atten_lim_db, mix)
    return onnx_enh
