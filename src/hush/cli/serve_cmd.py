"""``hush serve``: the HTTP and WebSocket enhancement service with its demo page (needs ``hush[serve]``)."""

from __future__ import annotations

import logging
import signal
import sys

from hush.errors import HushError, MissingExtraError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP/WebSocket enhancement service and its demo page",
        description="Serve POST /v1/enhance, /v1/evaluate, /v1/dnsmos, GET /v1/methods, /healthz, /readyz, "
        "WS /v1/stream and the demo page at / (needs: pip install 'hush[serve]'). Binds to loopback unless "
        "--host says otherwise; SIGINT/SIGTERM stop it after the requests in flight.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument(
        "--methods",
        default="default,hq,wiener,mmse-lsa",
        help="comma-separated methods clients may use, the first being the default (default: %(default)s)",
    )
    p.add_argument("--workers", type=int, default=1, help="enhancement worker threads (default 1)")
    p.add_argument("--queue", type=int, default=16, help="requests that may wait for a worker before 503 (default 16)")
    p.add_argument("--max-upload-mb", type=float, default=50.0, help="largest request body in MB (default 50)")
    p.add_argument("--max-seconds", type=float, default=600.0, help="longest audio accepted in s (default 600)")
    p.add_argument("--max-streams", type=int, default=4, help="concurrent WebSocket streams (default 4)")
    p.add_argument("--threads", type=int, default=1, help="torch/onnxruntime threads per worker (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-request log lines")
    p.set_defaults(func=run)


def _check_methods(specs: tuple[str, ...]) -> None:
    """Fail at once, in one line, on a method that cannot exist (loading itself happens in the background)."""
    from pathlib import Path

    from hush.methods import model_file_format, names, parse_spec

    known = set(names())
    for spec in specs:
        name = parse_spec(spec)[0]
        if name not in known and not (model_file_format(name) and Path(name).is_file()):
            raise HushError(f"--methods: unknown method {name!r}; see `hush list`")


def run(args) -> int:
    try:
        import uvicorn

        from hush.service import ServiceConfig, create_app
    except ImportError as e:
        raise MissingExtraError(f"hush serve ({e.name})", "serve") from None

    specs = tuple(s.strip() for s in args.methods.split(",") if s.strip())
    try:
        config = ServiceConfig(
            methods=specs,
            workers=args.workers,
            queue=args.queue,
            max_upload_mb=args.max_upload_mb,
            max_seconds=args.max_seconds,
            max_streams=args.max_streams,
            threads=args.threads,
        )
    except ValueError as e:
        raise HushError(str(e)) from None
    _check_methods(specs)
    log = logging.getLogger("hush.service")
    log.setLevel(logging.WARNING if args.quiet else logging.INFO)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config), host=args.host, port=args.port, log_config=None, access_log=False, lifespan="on"
        )
    )
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    # uvicorn handles SIGINT/SIGTERM itself (stop accepting, finish what is in flight) and re-raises the signal
    # afterwards; a no-op handler then makes a clean stop exit 0 instead of hush's "interrupted"
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _announce(server, config, log)
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        raise HushError(f"cannot serve on {args.host}:{args.port} (address in use or not available)")
    print("hush: serve: stopped", file=sys.stderr)
    return 0


def _announce(server, config, log) -> None:
    """Log the address once the socket is bound (with --port 0, the port the system chose)."""
    original = server.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        for s in server.servers:
            for sock in s.sockets:
                host, port = sock.getsockname()[:2]
                methods = ", ".join(config.methods)
                print(f"hush: serving http://{host}:{port}/ (methods: {methods})", file=sys.stderr, flush=True)

    server.startup = startup
