"""``hush list``: every method with a one-line description; ``--models``: the architectures with complexity."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list enhancement methods, or model architectures with --models")
    p.add_argument(
        "--models",
        action="store_true",
        help="architectures: parameters, MACs per second of audio, causality, lookahead, streaming",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _methods(args) -> int:
    from hush.methods import default_method, entries

    rows = [{"name": e.name, "kind": e.kind, "description": e.description} for e in entries()]
    if args.json:
        print(json.dumps({"default": default_method(), "methods": rows}, indent=2))
        return 0
    width = max((len(r["name"]) for r in rows), default=4)
    kinds = ("model", "classical", "array", "peer")
    titles = {"array": "array methods (multi-channel input; -m mvdr+default for a post-filter):"}
    for kind in (*kinds, *sorted({r["kind"] for r in rows} - set(kinds))):
        group = [r for r in rows if r["kind"] == kind]
        if group:
            print(titles.get(kind, f"{kind} methods:"))
            for r in group:
                mark = " (default)" if r["name"] == default_method() else ""
                print(f"  {r['name'].ljust(width)}  {r['description']}{mark}")
    return 0


def _models(args) -> int:
    from hush.models import build_model, names
    from hush.models.complexity import describe

    rows = [describe(build_model(name)) for name in names()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = f"{'architecture':<16} {'params':>10} {'MMAC/s':>9} {'causal':>6} {'lookahead':>10} {'stream':>6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        look = f"{r['lookahead_ms']:.1f} ms" if r["lookahead_ms"] < 1e5 else "unbounded"
        print(
            f"{r['arch']:<16} {r['parameters']:>10,} {r['macs_per_second'] / 1e6:>9.1f} "
            f"{'yes' if r['causal'] else 'no':>6} {look:>10} {'yes' if r['streaming'] else 'no':>6}"
        )
    print("Default configurations; MACs per second of 16 kHz audio, STFT included (torch FLOP counter).")
    for r in rows:
        if "macs_per_step" in r:
            print(
                f"{r['arch']}: generative, {r['macs_per_step'] / 1e6:.1f} MMAC/s per sampling step plus "
                f"{r['macs_fixed'] / 1e6:.1f} fixed; the row is its default {r['steps']} steps (option steps=N)."
            )
    return 0


def run(args) -> int:
    return _models(args) if args.models else _methods(args)
