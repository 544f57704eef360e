"""``hush stream``: real-time enhancement of raw PCM (stdin -> stdout) or of live audio (microphone -> speaker).

Pipe mode reads interleaved PCM in blocks of ``--block-ms`` and writes the enhanced PCM as soon as it is ready
(stdout is flushed after every block), then the tail at end of input. By default the first ``delay`` output
frames (the stream's leading silence, see :mod:`hush.inference.streamer`) are dropped, so the output is aligned with the
input and has the same length; ``--no-align`` writes the raw stream (``delay`` frames longer).

Live mode (``--live``, or any of ``--input-device``/``--output-device``/``--record``) needs the ``live`` extra
(``sounddevice`` and the PortAudio library) and runs until Ctrl-C or ``--duration``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from hush.errors import HushError, MissingExtraError

FORMATS = {"s16le": np.dtype("<i2"), "f32le": np.dtype("<f4")}


def add_parser(sub) -> None:
    p = sub.add_parser(
        "stream",
        help="enhance raw PCM from stdin to stdout, or live audio, in real time",
        description="Enhance a stream with bounded latency. Pipe mode: raw interleaved PCM on stdin -> enhanced "
        "PCM on stdout, e.g. `sox in.wav -t raw -r 16000 -e signed -b 16 -c 1 - | hush stream | play "
        "-t raw -r 16000 -e signed -b 16 -c 1 -`. Live mode (--live): microphone -> speaker or --record "
        "FILE (needs: pip install 'hush[live]').",
    )
    p.add_argument(
        "-m", "--method", default=None, help="method name (see `hush list`) or model file; default: the bundled default"
    )
    p.add_argument("--rate", type=int, default=16000, help="sample rate in Hz (default 16000)")
    p.add_argument("--channels", type=int, default=1, help="interleaved channels, each enhanced on its own (default 1)")
    p.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="s16le",
        help="raw sample format of stdin/stdout: s16le (default) or f32le",
    )
    p.add_argument("--block-ms", type=float, default=10.0, help="read size in milliseconds (default 10)")
    p.add_argument(
        "--no-align", action="store_true", help="keep the stream's leading `delay` samples (output is that much longer)"
    )
    p.add_argument("--backend", default="torch", help="inference backend for neural models (default torch)")
    p.add_argument("--threads", type=int, default=1, help="threads for torch (default 1)")
    live = p.add_argument_group("live audio (needs the `live` extra)")
    live.add_argument("--live", action="store_true", help="microphone -> speaker instead of stdin -> stdout")
    live.add_argument("--input-device", default=None, metavar="DEV", help="input device index or name (implies --live)")
    live.add_argument(
        "--output-device", default=None, metavar="DEV", help="output device index or name (implies --live)"
    )
    live.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the enhanced live audio to FILE (aligned with the input); without "
        "--output-device nothing is played",
    )
    live.add_argument("--overwrite", action="store_true", help="replace an existing --record file")
    live.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this long (default: run until Ctrl-C)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no status line on stderr in live mode")
    p.set_defaults(func=run)


# ----------------------------------------------------------------------------------------------------- helpers


def _check(args) -> None:
    from hush.audio.checks import check_rate

    check_rate(args.rate, "--rate")
    if not 1 <= args.channels <= 64:
        raise HushError(f"--channels must be between 1 and 64, got {args.channels}")
    if not args.block_ms > 0:
        raise HushError(f"--block-ms must be positive, got {args.block_ms}")
    if args.duration is not None and not args.duration > 0:
        raise HushError(f"--duration must be positive, got {args.duration}")


def _make_streamer(args):
    from hush.inference.streamer import Streamer
    from hush.methods import default_method
    from hush.threads import set_threads

    set_threads(args.threads)
    return Streamer(args.method or default_method(), sr=args.rate, backend=args.backend)


def decode(data: bytes, fmt: str, channels: int) -> np.ndarray:
    """Interleaved PCM bytes -> float32 ``(channels, frames)``."""
    x = np.frombuffer(data, dtype=FORMATS[fmt]).astype(np.float32)
    if fmt == "s16le":
        x /= 32768.0
    return x.reshape(-1, channels).T


def encode(y: np.ndarray, fmt: str) -> bytes:
    """float ``(channels, frames)`` -> interleaved PCM bytes (s16le: rounded and clipped)."""
    if fmt == "s16le":
        y = np.clip(np.round(y * 32768.0), -32768, 32767)
    return np.ascontiguousarray(y.T).astype(FORMATS[fmt]).tobytes()


class _Aligner:
    """Drops the first ``n`` frames of a ``(channels, frames)`` stream."""

    def __init__(self, n: int):
        self.left = n

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if self.left and y.shape[1]:
            k = min(self.left, y.shape[1])
            self.left -= k
            y = y[:, k:]
        return y


def _report_repairs(streamer) -> None:
    """One line for the whole stream instead of the streamer's warning at the first bad block."""
    from hush.inference.streamer import MAX_ABS

    if streamer.n_repaired:
        print(
            f"hush: warning: repaired {streamer.n_repaired} non-finite or out-of-range input sample(s) (NaN, Inf or "
            f"beyond ±{MAX_ABS:g}): replaced by zeros or clipped",
            file=sys.stderr,
        )


# ----------------------------------------------------------------------------------------------------- pipe mode


def run_pipe(args, streamer, stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    frame_bytes = args.channels * FORMATS[args.format].itemsize
    block = max(1, round(args.block_ms * args.rate / 1000.0))
    align = _Aligner(0 if args.no_align else streamer.delay)
    rest = b""
    while True:
        data = stdin.read(block * frame_bytes)  # a short read only at end of input
        if not data:
            break
        data = rest + data
        usable = len(data) - len(data) % frame_bytes
        rest = data[usable:]
        if usable:
            y = align(streamer.process(decode(data[:usable], args.format, args.channels)))
            if y.shape[1]:
                stdout.write(encode(y, args.format))
                stdout.flush()
    if rest:
        print(f"hush: warning: dropped {len(rest)} trailing byte(s) that do not make a whole frame", file=sys.stderr)
    _report_repairs(streamer)
    y = streamer.flush()
    y = align(y if y.ndim == 2 else np.zeros((args.channels, 0), np.float32))
    if y.shape[1]:
        stdout.write(encode(y, args.format))
    stdout.flush()
    return 0


# ----------------------------------------------------------------------------------------------------- live mode


def import_sounddevice():
    """``sounddevice``, or a one-line HushError naming what is missing (the package or PortAudio)."""
    try:
        import sounddevice
    except ImportError:
        raise MissingExtraError("live audio (hush stream --live)", "live") from None
    except OSError as e:  # sounddevice is installed but the PortAudio shared library is not
        raise HushError(
            f"live audio needs the PortAudio system library ({e}); install it, e.g. "
            "`apt install libportaudio2` or `brew install portaudio`"
        ) from None
    return sounddevice


def _device(spec: str | None):
    if spec is None:
        return None
    return int(spec) if spec.strip().lstrip("-").isdigit() else spec


def run_live(args, streamer) -> int:
    sd = import_sounddevice()
    c, rate = args.channels, args.rate
    block = max(1, round(args.block_ms * rate / 1000.0))
    play = args.output_device is not None or args.record is None
    if args.record is not None and args.record.exists() and not args.overwrite:
        raise HushError(f"{args.record}: exists (use --overwrite to replace it)")
    try:
        ins = sd.InputStream(
            samplerate=rate, channels=c, dtype="float32", blocksize=block, device=_device(args.input_device)
        )
        # a cushion of silence so that the resampler's and the model's output bursts never run the device dry
        cushion = streamer.latency - streamer.delay + block
        outs = (
            sd.OutputStream(
                samplerate=rate,
                channels=c,
                dtype="float32",
                blocksize=block,
                device=_device(args.output_device),
                latency=cushion / rate,
            )
            if play
            else None
        )
    except Exception as e:  # PortAudioError, ValueError (no such device), ...
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise HushError(f"audio device: {msg}") from None
    rec = None
    if args.record is not None:
        import soundfile as sf

        try:
            rec = sf.SoundFile(str(args.record), "w", samplerate=rate, channels=c)
        except Exception as e:
            raise HushError(f"{args.record}: cannot write ({str(e).strip().splitlines()[0]})") from None
    align = _Aligner(0 if args.no_align else streamer.delay)
    limit = None if args.duration is None else int(round(args.duration * rate))
    if not args.quiet:
        to = " and ".join(
            ([f"output device {args.output_device or 'default'}"] if play else [])
            + ([str(args.record)] if rec is not None else [])
        )
        print(
            f"hush: streaming input device {args.input_device or 'default'} -> {to} with "
            f"{streamer.enhancer.name} at {rate} Hz, latency {streamer.latency_ms:.0f} ms"
            + ("" if limit else "; Ctrl-C to stop"),
            file=sys.stderr,
        )
    n_in, overflows = 0, 0

    def emit(y: np.ndarray) -> None:
        if outs is not None and y.shape[1]:
            outs.write(np.ascontiguousarray(y.T))
        if rec is not None:
            y = align(y)
            if y.shape[1]:
                rec.write(y.T)

    try:
        if outs is not None:
            outs.start()
            outs.write(np.zeros((cushion, c), np.float32))
        ins.start()
        while limit is None or n_in < limit:
            n = block if limit is None else min(block, limit - n_in)
            data, overflowed = ins.read(n)
            overflows += bool(overflowed)
            n_in += len(data)
            emit(streamer.process(np.asarray(data, np.float32).T))
    except KeyboardInterrupt:
        pass
    finally:
        _report_repairs(streamer)
        try:
            y = streamer.flush()
            emit(y if y.ndim == 2 else np.zeros((c, 0), np.float32))
        finally:
            for s in (ins, outs):
                if s is not None:
                    s.stop()
                    s.close()
            if rec is not None:
                rec.close()
    if overflows:
        print(
            f"hush: warning: the input overflowed {overflows} time(s): samples were lost (the method is too slow "
            "for real time here; try a lighter method or a larger --block-ms)",
            file=sys.stderr,
        )
    if not args.quiet:
        print(
            f"hush: streamed {n_in / rate:.1f} s" + (f" into {args.record}" if rec is not None else ""), file=sys.stderr
        )
    return 0


def run(args) -> int:
    from hush.inference.streamer import NonFiniteInputWarning

    _check(args)
    warnings.simplefilter("ignore", NonFiniteInputWarning)  # counted and reported once at the end
    live = args.live or args.input_device is not None or args.output_device is not None or args.record is not None
    if live:
        import_sounddevice()  # fail before loading a model
    else:
        for stream, role in ((sys.stdin, "input"), (sys.stdout, "output")):
            if stream is None:  # the descriptor was closed when hush started
                raise HushError(f"standard {role} is closed; hush stream pipes raw PCM through stdin and stdout")
    streamer = _make_streamer(args)
    return run_live(args, streamer) if live else run_pipe(args, streamer)
