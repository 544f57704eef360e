"""The bundled models' targets from one `hush compare` run: paired-bootstrap differences against the peers.

    python benchmarks/targets.py [benchmarks/results/compare_dev.json]

Writes the "bundled-targets" section of BENCHMARKS.md and prints it. Every difference is mean [95% paired-bootstrap
interval] over the dev files; "pass" means the target as stated in the section holds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.compare.bootstrap import Interval, paired_bootstrap  # noqa: E402

BEAT = ("pesq_wb", "si_sdr", "dnsmos_ovrl")
LABEL = {"pesq_wb": "PESQ-WB", "si_sdr": "SI-SDR", "dnsmos_ovrl": "OVRL", "estoi": "ESTOI"}


def diff(doc: dict, a: str, b: str, metric: str) -> Interval:
    pa = [f.get(metric, float("nan")) for f in doc["systems"][a]["per_file"]]
    pb = [f.get(metric, float("nan")) for f in doc["systems"][b]["per_file"]]
    return paired_bootstrap(pa, pb)


def rows_for(doc: dict, model: str, peers: list[str], estoi_margin: float | None) -> list[str]:
    out = []
    for peer in peers:
        cells, ok = [], True
        for m in BEAT:
            iv = diff(doc, model, peer, m)
            ok &= iv.low > 0
            cells.append(str(iv))
        if estoi_margin is not None:
            iv = diff(doc, model, peer, "estoi")
            ok &= iv.mean >= -estoi_margin
            cells.append(str(iv))
        out.append(f"| `{model}` vs {peer} | " + " | ".join(cells) + f" | {'pass' if ok else 'FAIL'} |")
    return out


def main(path: str = "benchmarks/results/compare_dev.json") -> str:
    doc = json.loads(Path(path).read_text())
    systems = doc["systems"]
    have = [p for p in ("rnnoise", "nsnet2", "gtcrn", "noisereduce") if p in systems]
    lines = [
        "## Bundled models against the peers (targets)",
        "",
        f"Command: `python benchmarks/targets.py {path}` on the per-file scores of"
        " `bash benchmarks/compare_dev.sh`"
        " (one run, one thread, ../shared/data/dev, 120 files). Cells: mean difference [95% paired-bootstrap"
        " interval]; a 'beat' needs the whole interval above zero.",
        "",
    ]
    if "default" in systems:
        lines += [
            "Target: `default` beats each peer on PESQ-WB, SI-SDR and DNSMOS OVRL, and loses at most 0.01 ESTOI.",
            "",
            "| pair | PESQ-WB | SI-SDR | OVRL | ESTOI | target |",
            "|---|---|---|---|---|---|",
        ]
        lines += rows_for(doc, "default", have, 0.01)
        if "deepfilternet3" in systems:
            iv = diff(doc, "default", "deepfilternet3", "pesq_wb")
            rtf_d, rtf_p = systems["default"]["rtf"], systems["deepfilternet3"]["rtf"]
            ok = iv.mean >= -0.05 and rtf_d is not None and rtf_p is not None and rtf_d <= rtf_p
            verdict = "pass" if ok else "FAIL"
            lines += [
                "",
                "Target: `default` within 0.05 PESQ-WB of DeepFilterNet3 (or better) at an RTF no higher.",
                "",
                "| pair | PESQ-WB | RTF (default / DFN3) | target |",
                "|---|---|---|---|",
                f"| `default` vs deepfilternet3 | {iv} | {rtf_d:.3f} / {rtf_p:.3f} | {verdict} |",
            ]
    if "hq" in systems and "deepfilternet3" in systems:
        lines += [
            "",
            "Target: `hq` beats DeepFilterNet3 on PESQ-WB, SI-SDR and DNSMOS OVRL.",
            "",
            "| pair | PESQ-WB | SI-SDR | OVRL | target |",
            "|---|---|---|---|---|",
        ]
        lines += rows_for(doc, "hq", ["deepfilternet3"], None)
    if "hq" in systems and "default" in systems:
        lines += [
            "",
            "| pair | PESQ-WB | SI-SDR | OVRL |",
            "|---|---|---|---|",
            "| `hq` vs `default` | " + " | ".join(str(diff(doc, "hq", "default", m)) for m in BEAT) + " |",
        ]
    text = "\n".join(lines) + "\n"
    update_section("bundled-targets", text)
    return text


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
