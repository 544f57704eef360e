"""``hush list``: every method and model with a one-line description."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list enhancement methods and models")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    from hush.api import default_method
    from hush.methods import entries

    rows = [{"name": e.name, "kind": e.kind, "description": e.description} for e in entries()]
    if args.json:
        print(json.dumps({"default": default_method(), "methods": rows}, indent=2))
        return 0
    width = max((len(r["name"]) for r in rows), default=4)
    for kind in ("model", "classical", "peer"):
        group = [r for r in rows if r["kind"] == kind]
        if group:
            print(f"{kind} methods:")
            for r in group:
                mark = " (default)" if r["name"] == default_method() else ""
                print(f"  {r['name'].ljust(width)}  {r['description']}{mark}")
    return 0
