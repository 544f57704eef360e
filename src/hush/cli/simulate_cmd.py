"""``hush simulate --speech DIR --noise DIR -o OUT --n N``: a fixed simulated noisy/clean set."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="mix speech and noise folders into a noisy/clean set",
        description="Mix speech with noise (and optionally room reverberation) into OUT/clean, OUT/noisy, "
        "OUT/noise (16-bit, same file names) and OUT/meta.csv. snr_db in meta.csv is measured on the "
        "written files: 10*log10(sum clean^2 / sum (noisy - clean)^2).",
    )
    p.add_argument(
        "--speech",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder of clean speech (recursive; speaker = parent folder name)",
    )
    p.add_argument("--noise", required=True, type=Path, metavar="DIR", help="folder of noise recordings (recursive)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="output folder")
    p.add_argument("--n", required=True, type=int, metavar="N", help="number of mixtures")
    p.add_argument(
        "--snr",
        nargs=2,
        type=float,
        default=(-5.0, 20.0),
        metavar=("LOW", "HIGH"),
        help="SNR range in dB, drawn uniformly (default -5 20)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--seconds", type=float, default=4.0, help="length of each mixture (default 4.0)")
    p.add_argument("--sr", type=int, default=16000, help="sample rate of the output (default 16000)")
    p.add_argument(
        "--level",
        nargs=2,
        type=float,
        default=(-35.0, -15.0),
        metavar=("LOW", "HIGH"),
        help="RMS level of the noisy mixture in dBFS (default -35 -15)",
    )
    p.add_argument(
        "--noises",
        nargs=2,
        type=int,
        default=(1, 3),
        metavar=("MIN", "MAX"),
        help="number of noise recordings summed per mixture (default 1 3)",
    )
    p.add_argument("--rir", type=Path, default=None, metavar="DIR", help="folder of room impulse responses")
    p.add_argument(
        "--simulate-rirs",
        type=int,
        default=0,
        metavar="N",
        help="simulate N shoebox rooms (pyroomacoustics) instead of reading --rir",
    )
    p.add_argument(
        "--rt60",
        nargs=2,
        type=float,
        default=(0.2, 1.0),
        metavar=("LOW", "HIGH"),
        help="RT60 range of simulated rooms in seconds (default 0.2 1.0)",
    )
    p.add_argument("--rir-cache", type=Path, default=None, metavar="NPZ", help="cache file for the RIR bank")
    p.add_argument(
        "--reverb-prob",
        type=float,
        default=None,
        metavar="P",
        help="probability of reverberating the speech (default 1 with RIRs, else 0)",
    )
    p.add_argument(
        "--target",
        choices=("dry", "early"),
        default="dry",
        help="clean target of reverberant mixtures: dry speech or direct path + 50 ms (default dry)",
    )
    p.add_argument(
        "--array",
        default=None,
        metavar="SPEC",
        help="record with a microphone array in simulated rooms instead: linear:N:SPACING_M, circular:N:RADIUS_M, "
        "binaural or a geometry .json file; writes OUT/noisy (all channels), OUT/clean (the target at the "
        "reference microphone, channel 0), OUT/array.json and OUT/meta.csv (see hush.data.mixing.arrays)",
    )
    p.add_argument("--format", choices=("flac", "wav"), default="flac", help="output format (default flac)")
    p.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (default 0: in this process)")
    p.add_argument("--overwrite", action="store_true", help="write into a non-empty output folder")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    if args.array is not None:
        return run_array(args)
    from hush.data.mixing.simulate import simulate

    fixed = simulate(
        args.speech,
        args.noise,
        args.output,
        args.n,
        snr=args.snr,
        seed=args.seed,
        rir_dir=args.rir,
        simulate_rirs=args.simulate_rirs,
        rt60=args.rt60,
        rir_cache=args.rir_cache,
        reverb_prob=args.reverb_prob,
        target=args.target,
        seconds=args.seconds,
        sr=args.sr,
        level=args.level,
        n_noises=args.noises,
        fmt=args.format,
        overwrite=args.overwrite,
        jobs=args.jobs,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    if not args.quiet:
        snrs = np.array([float(r["snr_db"]) for r in fixed.rows])
        print(
            f"simulated {len(fixed)} mixture(s) into {args.output} "
            f"(SNR {snrs.min():.1f} to {snrs.max():.1f} dB, mean {snrs.mean():.1f})",
            file=sys.stderr,
        )
    return 0


def run_array(args) -> int:
    from hush.data.mixing.arrays import ArraySceneConfig, load_pool, write_array_set
    from hush.data.mixing.simulate import scan_folder
    from hush.errors import HushError
    from hush.multichannel import parse_array

    if args.n < 1:
        raise HushError(f"--n must be at least 1, not {args.n}")
    geometry = parse_array(args.array)
    cfg = ArraySceneConfig(
        seconds=args.seconds,
        sample_rate=args.sr,
        snr_range=tuple(args.snr),
        rt60_range=tuple(args.rt60),
        level_range_db=tuple(args.level),
        target="early" if args.target == "early" else "dry",
    )
    speech = load_pool(scan_folder(args.speech, "speech"), args.sr, 4 * args.n, args.seed)
    noise = load_pool(scan_folder(args.noise, "noise"), args.sr, 4 * args.n, args.seed + 1)
    rows = write_array_set(
        args.output,
        geometry,
        speech[0],
        noise[0],
        args.n,
        cfg,
        args.seed,
        (speech[1], noise[1]),
        args.format,
        args.overwrite,
    )
    if not args.quiet:
        print(
            f"simulated {len(rows)} {geometry.channels}-channel mixture(s) ({geometry.name}) into {args.output}",
            file=sys.stderr,
        )
    return 0
