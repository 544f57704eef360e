"""Export a streaming STFT model to one ONNX frame graph (:mod:`hush.onnx_backend.metadata`), checked first.

The graph (:mod:`hush.onnx_backend.graph`) is exported with torch's dynamo exporter or the legacy tracer, and
checked numerically against the PyTorch model over a run of frames before anything is written; ``--quantize int8``
then quantizes the learned weight matrices, ``--quantize fp16`` stores the weights in half precision. Framing and
overlap-add synthesis stay outside the graph (numpy, in :mod:`hush.onnx_backend.runtime`), so a runtime feeds
``next_state`` back as ``state`` frame after frame.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hush import models
from hush.atomic import replace_into
from hush.dsp.stft import sqrt_hann
from hush.models.base import SEModel
from hush.models.stft_mask import STFTModel
from hush.onnx_backend.complex_pair import UnsupportedComplexOp
from hush.onnx_backend.graph import ExportError, FrameGraph, probe_frames, state_layout
from hush.onnx_backend.metadata import (
    FORMAT,
    SPEC_INPUTS,
    SPEC_OUTPUTS,
    VERSION,
    require_onnx,
    write_metadata,
)
from hush.version import __version__

CHECK_FRAMES = 1000  # ten stretches of digital silence or near-silence (probe_frames(gaps=True))
CHECK_MIN_SNR_DB = 60.0
EXPORTERS = ("auto", "dynamo", "torchscript")


def exportable_archs() -> list[str]:
    """Architectures built on :class:`STFTModel`; their causal configurations export."""
    return [a for a in models.names() if issubclass(models.get(a), STFTModel)]


def check_exportable(model: SEModel) -> None:
    arch = model.arch or type(model).__name__
    if isinstance(model, STFTModel) and model.supports_streaming:
        return
    why = "a non-causal configuration" if isinstance(model, STFTModel) else "not an STFT-domain streaming model"
    raise ExportError(
        f"{arch} cannot be exported to ONNX ({why}); exportable: causal configurations of "
        f"{', '.join(exportable_archs())}"
    )


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
    """Run ``n_frames`` probe frames, with silent stretches, through the ONNX file and ``model.enhance_spec``, each
    carrying its own state; SNR and max abs difference. A model whose state diverges on rounding differences in
    silence fails here, as it would later between runtimes."""
    sess = _session(path)
    frames = probe_frames(model, n_frames, seed=1, gaps=True)
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


def _fp16_weights(proto, min_size: int = 64) -> int:
    """Store every float32 initializer of at least ``min_size`` elements as float16, each followed by a ``Cast``
    back to float32 under its old name: the graph computes in fp32 as before (onnxruntime folds the casts when it
    loads the model), on weights rounded to fp16, and the file is about half the size. A model loaded from an fp16
    file (the bundled ones) loses nothing: its weights are fp16 values already. Returns the initializers converted.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = proto.graph
    inputs = {i.name for i in graph.input}
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or init.name in inputs:
            continue
        w = numpy_helper.to_array(init)
        if w.size < min_size or not np.all(np.abs(w) <= np.finfo(np.float16).max):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(w.astype(np.float16), f"{name}__fp16"))
        casts.append(helper.make_node("Cast", [init.name], [name], to=TensorProto.FLOAT, name=f"{name}__cast"))
    if not casts:
        raise ExportError("no float32 weights to store in fp16")
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)  # the casts read initializers only: first keeps the graph topologically sorted
    return len(casts)


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
    quantization; ``"fp16"`` stores the weights in fp16 and computes in fp32 (half the file; lossless for a model
    whose weights are fp16 values, such as the bundled ones).
    """
    require_onnx()
    import onnx

    check_exportable(model)
    if exporter not in EXPORTERS:
        raise ExportError(f"unknown exporter {exporter!r}; choose one of {', '.join(EXPORTERS)}")
    if quantize not in (False, True, "int8", "fp16", None):
        raise ExportError(f"unknown quantization {quantize!r}; choose int8 or fp16")
    if not torch.allclose(model.window.float(), torch.tensor(sqrt_hann(model.n_fft), dtype=torch.float32)):
        raise ExportError(f"{model.arch}: only the sqrt-Hann analysis window is supported by the ONNX runtime")
    path = Path(path)
    training = model.training
    model.eval()
    try:
        spec, names, init = state_layout(model)
        graph = FrameGraph(model, spec).eval()
        frame = probe_frames(model, 1)
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
            if quantize == "fp16":
                _fp16_weights(proto)
                qpath = Path(tmp) / "fp16.onnx"
                onnx.save(proto, str(qpath))
                quantized = "fp16"
                check = {**check, "quantized": check_against_model(model, qpath, spec, names, init, check_frames)}
            elif quantize:
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
            for node in proto.graph.node:  # the exporter's debug records: source paths and stack traces
                del node.metadata_props[:]
                node.doc_string = ""
            write_metadata(proto, _metadata(model, names, init, used_opset, kind, check, quantized))
            proto.producer_name, proto.doc_string = "hush", f"hush {model.arch} streaming frame graph"
            with replace_into(path) as part:
                onnx.save(proto, str(part))
    finally:
        model.train(training)
    return path


# ------------------------------------------------------------------------------------------ names and the cache


