"""Argument parsing and dispatch. Every failure reaches the user as one line, never as a traceback."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import warnings

from hush.errors import HushError
from hush.version import __version__


def build_parser() -> argparse.ArgumentParser:
    import hush.cli.export_cmd as export_cmd
    import hush.cli.serve_cmd as serve_cmd
    from hush.cli import (
        compare_cmd,
        data_cmd,
        enhance_cmd,
        evaluate_cmd,
        list_cmd,
        personalize_cmd,
        simulate_cmd,
        snr_cmd,
        stream_cmd,
        tag_cmd,
        train_cmd,
    )

    p = argparse.ArgumentParser(prog="hush", description="Speech enhancement: denoise, evaluate, compare.")
    p.add_argument("--version", action="version", version=f"hush {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    commands = (enhance_cmd, stream_cmd, evaluate_cmd, compare_cmd, train_cmd, data_cmd, simulate_cmd, tag_cmd)
    commands += (personalize_cmd, snr_cmd)
    commands += (list_cmd,)
    for mod in commands:
        mod.add_parser(sub)
    export_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    return p


def _warning_line(message, category, filename, lineno, file=None, line=None):
    print(f"hush: warning: {message}", file=sys.stderr)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs (temporary files removed, nothing half-written)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _warning_line
    logging.basicConfig(level=logging.WARNING, format="hush: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `hush`: what it can do, not a usage error
        parser.print_help()
        return 0
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Terminated:
        print("hush: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("hush: interrupted", file=sys.stderr)
        return 130
    except HushError as e:
        print(f"hush: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:
        if os.environ.get("HUSH_DEBUG"):
            raise
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"hush: error: {type(e).__name__}: {msg} (set HUSH_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
