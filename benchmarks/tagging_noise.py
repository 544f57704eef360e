"""`hush tag` on noise clips whose category is known: how often the top 5 includes the right class family.

    python benchmarks/tagging_noise.py [--per-category 8] [--shared ../shared/data]

Draws up to N clips per category (fixed seed) from the shared noise set (`lists/train_noise.csv`: UrbanSound8K
classes, the Debian game-sound categories whose sound has an AudioSet counterpart, and the music), tags each whole
clip with `hush.tag` and counts a hit when one of the top 5 (top 1) classes lies in the category's family: a set of
AudioSet classes fixed below before running, mostly whole branches of the AudioSet ontology. Debian categories
"ambience-city" and "other" are left out: they name no sound. Writes the "tagging" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import hush  # noqa: E402
from hush.audio.io import read  # noqa: E402


def span(a: int, b: int) -> set[int]:
    return set(range(a, b + 1))


HUMAN, ANIMAL, MUSIC, VEHICLE = span(0, 71), span(72, 136), span(137, 282), span(300, 353)
TOOLS, MECHANISMS, EXPLOSION, NOISE = span(418, 425), span(404, 417), span(426, 436), span(513, 523)
FAMILIES: dict[tuple[str, str], tuple[str, set[int]]] = {  # (corpus, category) -> (family description, classes)
    ("urbansound8k", "air_conditioner"): (
        "mechanisms (fan, air conditioning), hum/whir/rumble, noise",
        MECHANISMS | {488, 493, 496} | NOISE,
    ),
    ("urbansound8k", "car_horn"): ("road vehicles, horns, alarms, beeps", span(300, 327) | {388, 481}),
    ("urbansound8k", "children_playing"): ("human sounds (voices, shouting, laughter, crowd)", HUMAN),
    ("urbansound8k", "dog_bark"): ("animal, dog", span(72, 80) | {122}),
    ("urbansound8k", "drilling"): ("tools, mechanisms, dental drill, whir", TOOLS | {345, 404, 488}),
    ("urbansound8k", "engine_idling"): ("vehicles and engines", VEHICLE),
    ("urbansound8k", "gun_shot"): ("explosions and gunfire, bang", EXPLOSION | {466}),
    ("urbansound8k", "jackhammer"): ("tools, mechanisms, gears", TOOLS | {404, 409}),
    ("urbansound8k", "siren"): ("alarms and sirens, emergency vehicles", span(388, 401) | span(322, 325)),
    ("urbansound8k", "street_music"): ("music", MUSIC),
    ("music", "music"): ("music", MUSIC),
    ("debian", "aircraft"): ("aircraft, vehicle, engine", {300, 343} | span(335, 340)),
    ("debian", "fire"): ("fire, crackle, sizzle", {298, 299, 490}),
    ("debian", "water"): ("water, liquid", span(288, 297) | span(444, 456)),
    ("debian", "weather-rain/thunder"): ("thunderstorm, rain", span(286, 291)),
    ("debian", "wind"): ("wind, whoosh", span(283, 285) | {459}),
    ("debian", "vehicle/engine"): ("vehicles and engines", VEHICLE),
    ("debian", "weapons/impacts"): (
        "explosions, gunfire, impacts (thump, bang, smash, clang), arrow",
        EXPLOSION | {458, 484} | span(460, 470),
    ),
    ("debian", "animals/nature"): ("animals, natural sounds, outside rural", ANIMAL | span(283, 299) | {510}),
    ("debian", "hum/static/electrical"): ("hum, buzz, whir, pulse, noise", {130, 398, 488, 496, 505} | NOISE),
    ("debian", "footsteps"): ("run, shuffle, footsteps", span(51, 53)),
    ("debian", "machinery/work"): ("tools, mechanisms, engines", TOOLS | MECHANISMS | span(343, 353)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-category", type=int, default=8)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    by_cat: dict[tuple[str, str], list[str]] = defaultdict(list)
    with open(args.shared / "lists" / "train_noise.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["corpus"], row["category"])
            if key in FAMILIES:
                by_cat[key].append(row["path"])
    rng = random.Random(args.seed)
    rows, hits5, hits1, total, seconds = [], 0, 0, 0, 0.0
    per_corpus: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    t0 = time.perf_counter()
    for key, (desc, family) in FAMILIES.items():
        paths = sorted(by_cat[key])
        picked = rng.sample(paths, min(args.per_category, len(paths)))
        h5 = h1 = 0
        examples = defaultdict(int)
        for p in picked:
            audio, sr = read(args.shared / p)
            seconds += audio.shape[-1] / sr
            tags = hush.tag(audio, sr, top=5).tags
            idx = [t.index for t in tags]
            h5 += any(i in family for i in idx)
            h1 += idx[0] in family
            examples[tags[0].name] += 1
        hits5, hits1, total = hits5 + h5, hits1 + h1, total + len(picked)
        c = per_corpus[key[0]]
        c[0], c[1], c[2] = c[0] + h5, c[1] + h1, c[2] + len(picked)
        common = ", ".join(f"{n} ({c})" for n, c in sorted(examples.items(), key=lambda kv: -kv[1])[:3])
        rows.append(
            f"| {key[0]} / {key[1]} | {len(picked)} | {h5}/{len(picked)} | {h1}/{len(picked)} | {desc} | {common} |"
        )
        print(rows[-1], flush=True)
    wall = time.perf_counter() - t0
    body = "\n".join(
        [
            "## Audio tagging: `hush tag` on noise of known category",
            "",
            "```sh",
            f"python benchmarks/tagging_noise.py --per-category {args.per_category}",
            "```",
            "",
            f"The shipped AudioSet tagger (EfficientAT `mn04_as`) on {total} clips of the shared noise set, up to "
            f"{args.per_category} per category drawn with seed {args.seed} ({seconds / 60:.1f} min of audio, tagged in "
            f"{wall:.0f} s on one core). A hit: a class of the category's family (fixed in the script before running) "
            "is among the top 5 (top 1) of the whole clip.",
            "",
            f"**Hit rate: top-5 {hits5}/{total} = {100 * hits5 / total:.0f} %, top-1 {hits1}/{total} = "
            f"{100 * hits1 / total:.0f} %.**",
            "",
            *[
                f"- {k}: top-5 {a}/{n} = {100 * a / n:.0f} %, top-1 {b}/{n} = {100 * b / n:.0f} %"
                for k, (a, b, n) in per_corpus.items()
            ],
            "",
            "| corpus / category | clips | top-5 hits | top-1 hits | family | most frequent top-1 |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    update_section("tagging", body)
    print(f"top-5 {hits5}/{total}, top-1 {hits1}/{total}")


if __name__ == "__main__":
    main()
