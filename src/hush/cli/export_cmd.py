"""``hush export onnx -m NAME -o model.onnx``: a streaming model as one ONNX frame graph with explicit state."""

from __future__ import annotations

import sys
from pathlib import Path

from hush.errors import HushError, os_problem


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="export a model for deployment (ONNX)", description="Export a neural model to another runtime."
    )
    fmt = p.add_subparsers(dest="format", metavar="FORMAT", required=True)
    o = fmt.add_parser(
        "onnx",
        help="one ONNX graph per STFT frame, with explicit state (onnxruntime backend)",
        description="Export a causal STFT model (erbdf, gru, lstm, crn, ...) as an ONNX graph mapping "
        "one frame's spectrum and the flattened streaming state to the enhanced frame and "
        "the next state; framing and overlap-add run outside the graph. Run it with "
        "`hush enhance -m model.onnx` (or --backend onnx).",
    )
    o.add_argument(
        "-m",
        "--method",
        default=None,
        help="model name (see `hush list`) or model file (.pt); default: the bundled default",
    )
    o.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="FILE",
        help="output .onnx file (missing parent folders are created)",
    )
    o.add_argument(
        "--quantize",
        choices=["none", "int8", "fp16"],
        default="none",
        help="int8: onnxruntime dynamic weight quantization; fp16: weights stored in half precision, computed in fp32"
        " (half the file; lossless for the bundled models, whose weights are fp16); default: none, fp32",
    )
    o.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17; the dynamo exporter needs >= 18)")
    o.add_argument(
        "--exporter",
        choices=["auto", "dynamo", "torchscript"],
        default="auto",
        help="torch exporter: auto (dynamo, then the legacy TorchScript tracer), dynamo or torchscript",
    )
    o.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    o.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    o.set_defaults(func=run)


def run(args) -> int:
    from hush.atomic import check_writable
    from hush.methods import default_method
    from hush.onnx_backend.cache import resolve_model
    from hush.onnx_backend.export import export_onnx
    from hush.onnx_backend.metadata import read_metadata, require_onnx

    require_onnx()
    out = args.output
    if out.suffix.lower() != ".onnx":
        raise HushError(f"{out}: the output file name must end in .onnx")
    if out.exists() and not args.overwrite:
        raise HushError(f"{out}: output exists (use --overwrite to replace it)")
    try:  # before the export work, which takes seconds
        check_writable(out)
    except OSError as e:
        raise HushError(f"{out}: cannot write ({os_problem(e)})") from None
    method = args.method or default_method()
    model = resolve_model(method)
    quantize = None if args.quantize == "none" else args.quantize
    export_onnx(model, out, opset=args.opset, quantize=quantize, exporter=args.exporter)
    if not args.quiet:
        meta = read_metadata(out)
        check = meta["check"]
        q = check.get("quantized")
        agree = f"{check['snr_db']:.0f} dB SNR vs PyTorch over {check['frames']} frames"
        if q:
            agree += f"; {meta['quantized']}: {q['snr_db']:.0f} dB"
        print(
            f"exported {method} ({meta['arch']}, {len(meta['state'])} state tensors, opset {meta['opset']}, "
            f"{meta['exporter']}{', ' + meta['quantized'] if meta['quantized'] else ''}) to {out}: {agree}",
            file=sys.stderr,
        )
    return 0
