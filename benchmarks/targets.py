"""The bundled models' targets, checked on the per-file scores of one `hush compare` run per dev variant.

    python benchmarks/targets.py [--dev benchmarks/results/compare_dev.json]
                                 [--reverb benchmarks/results/compare_dev_reverb.json]
                                 [--tel benchmarks/results/compare_dev_tel.json]

Writes the "bundled-targets" section of BENCHMARKS.md and prints it. Every difference is the mean over files with its
95 % paired-bootstrap interval. A model *beats* another on a metric when the whole interval is above zero, *ties or
beats* it when the interval reaches zero or above, and is *not below* the unprocessed input when its mean difference
is not negative. Targets whose systems, metrics or variant were not measured are listed as such, never as passed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.compare.bootstrap import Interval, paired_bootstrap  # noqa: E402

RESULTS = Path("benchmarks/results")
LABEL = {
    "pesq_wb": "PESQ-WB",
    "pesq_nb": "PESQ-NB",
    "estoi": "ESTOI",
    "si_sdr": "SI-SDR",
    "dnsmos_ovrl": "OVRL",
    "dnsmos_p808": "P.808",
}
VARIANT = {"dev": "dev", "reverb": "reverberant dev", "tel": "telephone-band dev"}


@dataclass(frozen=True)
class Target:
    """``model`` against each of ``others`` on ``metrics`` of one dev variant; ``rule``: beat | tie | not-below."""

    variant: str
    model: str
    others: tuple[str, ...]
    metrics: tuple[str, ...]
    rule: str = "beat"
    min_mean: float = 0.0  # a beat must also have at least this mean difference

    def describe(self) -> str:
        what = {"beat": "beats", "tie": "ties or beats", "not-below": "is not below"}[self.rule]
        by = f" by at least {self.min_mean:g}" if self.min_mean else ""
        mets = ", ".join(LABEL.get(m, m) for m in self.metrics)
        return f"`{self.model}` {what} {', '.join(self.others)} on {mets}{by} ({VARIANT[self.variant]})"


PEERS = ("rnnoise", "nsnet2", "gtcrn", "deepfilternet3", "noisereduce")
DEV = ("pesq_wb", "estoi", "si_sdr", "dnsmos_p808", "dnsmos_ovrl")
TARGETS = (
    Target("dev", "default", ("rnnoise", "nsnet2", "gtcrn"), DEV),
    Target("dev", "default", ("deepfilternet3",), ("pesq_wb", "si_sdr")),
    Target("dev", "default", ("deepfilternet3",), ("dnsmos_ovrl",), rule="tie"),
    Target("dev", "hq", ("deepfilternet3",), ("pesq_wb",), min_mean=0.15),
    Target("dev", "hq", ("deepfilternet3",), ("estoi", "si_sdr", "dnsmos_p808", "dnsmos_ovrl")),
    Target("dev", "tiny", ("rnnoise", "nsnet2"), ("pesq_wb", "estoi", "si_sdr")),
    Target("reverb", "default", (*PEERS, "wpe"), ("pesq_wb", "estoi")),
    Target("reverb", "hq", (*PEERS, "wpe"), ("pesq_wb", "estoi")),
    Target("tel", "default", ("noisy", "rnnoise", "gtcrn", "mmse-lsa"), ("pesq_nb", "estoi", "si_sdr")),
)
# no bundled model may score below the unprocessed input on any variant, on any of these metrics
NOT_BELOW = {
    "dev": ("pesq_wb", "estoi", "si_sdr"),
    "reverb": ("pesq_wb", "estoi", "si_sdr"),
    "tel": ("pesq_nb", "estoi", "si_sdr"),
}
BUNDLED = ("default", "hq", "tiny")
# real-time factors in the same run: (model, peer, most model / peer)
RTF = (("default", "deepfilternet3", 0.2), ("tiny", "nsnet2", 1.0))


def diff(doc: dict, a: str, b: str, metric: str) -> Interval | None:
    sa, sb = doc["systems"].get(a), doc["systems"].get(b)
    if sa is None or sb is None or metric not in sa["mean"] or metric not in sb["mean"]:
        return None
    pa = [f.get(metric, float("nan")) for f in sa["per_file"]]
    pb = [f.get(metric, float("nan")) for f in sb["per_file"]]
    return paired_bootstrap(pa, pb)


def verdict(iv: Interval | None, rule: str, min_mean: float = 0.0) -> str:
    if iv is None or iv.n == 0:
        return "not measured"
    ok = {"beat": iv.low > 0 and iv.mean >= min_mean, "tie": iv.high >= 0, "not-below": iv.mean >= 0}[rule]
    return "pass" if ok else "FAIL"


def overall(verdicts: list[str]) -> str:
    if "FAIL" in verdicts:
        return "FAIL"
    return "not measured" if "not measured" in verdicts else "pass"


def target_table(docs: dict[str, dict], t: Target) -> tuple[list[str], str]:
    doc = docs.get(t.variant)
    head = [
        "| pair | " + " | ".join(LABEL.get(m, m) for m in t.metrics) + " | target |",
        "|---|" + "---|" * (len(t.metrics) + 1),
    ]
    rows, results = [], []
    for other in t.others:
        cells, verdicts = [], []
        for m in t.metrics:
            iv = diff(doc, t.model, other, m) if doc else None
            verdicts.append(verdict(iv, t.rule, t.min_mean))
            cells.append("—" if iv is None else str(iv))
        results.append(overall(verdicts))
        rows.append(f"| `{t.model}` − {other} | " + " | ".join(cells) + f" | {results[-1]} |")
    return head + rows, overall(results)


def not_below_table(docs: dict[str, dict]) -> tuple[list[str], str]:
    lines = [
        "| variant | model | " + " | ".join(["metric differences against the unprocessed input"]) + " | target |",
        "|---|---|---|---|",
    ]
    results = []
    for variant, metrics in NOT_BELOW.items():
        doc = docs.get(variant)
        if doc is None:
            results.append("not measured")
            lines.append(f"| {VARIANT[variant]} | — | not measured | not measured |")
            continue
        for model in BUNDLED:
            if model not in doc["systems"]:
                continue
            ivs = [(m, diff(doc, model, "noisy", m)) for m in metrics]
            res = overall([verdict(iv, "not-below") for _, iv in ivs])
            results.append(res)
            cells = "; ".join(f"{LABEL.get(m, m)} {'—' if iv is None else iv}" for m, iv in ivs)
            lines.append(f"| {VARIANT[variant]} | `{model}` | {cells} | {res} |")
    return lines, overall(results) if results else "not measured"


def rtf_table(doc: dict | None) -> tuple[list[str], str]:
    lines = ["| model | peer | RTF model / peer | at most | target |", "|---|---|---|---|---|"]
    results = []
    for model, peer, most in RTF:
        systems = (doc or {}).get("systems", {})
        a, b = (systems.get(s, {}).get("rtf") for s in (model, peer))
        if a is None or b is None:
            res, cell = "not measured", "—"
        else:
            res, cell = ("pass" if a <= most * b else "FAIL"), f"{a:.4f} / {b:.4f} = {a / b:.3f}"
        results.append(res)
        lines.append(f"| `{model}` | {peer} | {cell} | {most:g} | {res} |")
    return lines, overall(results)


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=RESULTS / "compare_dev.json")
    ap.add_argument("--reverb", type=Path, default=RESULTS / "compare_dev_reverb.json")
    ap.add_argument("--tel", type=Path, default=RESULTS / "compare_dev_tel.json")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    paths = {"dev": args.dev, "reverb": args.reverb, "tel": args.tel}
    docs = {k: json.loads(p.read_text()) for k, p in paths.items() if p.exists()}
    lines = [
        "## Bundled models against the peers (targets)",
        "",
        "Command: `python benchmarks/targets.py` on the per-file scores of `bash benchmarks/compare_dev.sh`"
        " (../shared/data/dev, 120 files) and `bash benchmarks/compare_variants.sh` (reverberant and telephone-band"
        " dev), each one run on one thread. Cells: mean difference [95 % paired-bootstrap interval]. A *beat* needs"
        " the whole interval above zero; *ties or beats*: the interval reaches zero or above; *not below* the"
        " unprocessed input: a mean difference that is not negative. '—': not measured.",
        "",
        "Inputs: " + ", ".join(f"{k} `{p}`" + ("" if k in docs else " (missing)") for k, p in paths.items()) + ".",
    ]
    summary = []
    for t in TARGETS:
        table, res = target_table(docs, t)
        summary.append((t.describe(), res))
        lines += ["", f"Target: {t.describe()}: **{res}**", "", *table]
    table, res = not_below_table(docs)
    summary.append(("no bundled model below the unprocessed input on any dev variant", res))
    lines += ["", f"Target: no bundled model below the unprocessed input on any dev variant: **{res}**", "", *table]
    table, res = rtf_table(docs.get("dev"))
    summary.append(("real-time factors in the same run (one thread)", res))
    lines += ["", f"Target: real-time factors in the same run (one thread): **{res}**", "", *table]
    lines += ["", "Summary:", "", "| target | result |", "|---|---|"]
    lines += [f"| {d} | {r} |" for d, r in summary]
    text = "\n".join(lines) + "\n"
    if not args.no_write:
        update_section("bundled-targets", text)
    return text


if __name__ == "__main__":
    print(main())
