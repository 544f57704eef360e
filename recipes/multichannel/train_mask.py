"""Train the ``mcmask`` multi-channel mask estimator on simulated array scenes (CPU, minutes).

    python recipes/multichannel/train_mask.py ../shared/data -o src/hush/pretrained/mcmask.pt --minutes 4

Scenes mix the shared training speech and noise lists (never the dev set) in rooms of training seeds, recorded by
2-, 4- and 6-microphone arrays (the dev set's geometries, in other rooms); the target is the ideal ratio mask of the
reference channel's early speech. Loss: mean squared mask error.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

import numpy as np
import torch

from hush.atomic import replace_into
from hush.data.mixing.arrays import ArraySceneConfig, draw_scene, simulate_room
from hush.data.mixing.audio_cache import AudioReader
from hush.multichannel.geometry import parse_array
from hush.multichannel.mask_net import MaskNet, irm

ARRAYS = ("linear:2:0.08", "linear:4:0.05", "circular:6:0.0425")


def pool(root: Path, listing: str, n: int, seed: int) -> list[np.ndarray]:
    rows = list(csv.DictReader(open(root / "lists" / listing)))
    pick = np.random.default_rng(seed).choice(len(rows), size=min(n, len(rows)), replace=False)
    reader = AudioReader(16000)
    return [np.asarray(reader.read_full(root / rows[i]["path"]), np.float64) for i in pick]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--rooms", type=int, default=12, help="rooms per geometry")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    speech = pool(args.shared, "train_speech.csv", 400, args.seed)
    noise = pool(args.shared, "train_noise.csv", 300, args.seed + 1)
    cfg = ArraySceneConfig(seconds=2.0)
    geoms = [parse_array(a) for a in ARRAYS]
    rooms = [[simulate_room(g, cfg, args.seed + 1, r) for r in range(args.rooms)] for g in geoms]
    net = MaskNet(hidden=args.hidden)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3)
    rng = np.random.default_rng(args.seed)
    t0, step, ema = time.time(), 0, None
    while time.time() - t0 < 60 * args.minutes:
        gi = int(rng.integers(len(geoms)))
        items = [draw_scene(rooms[gi][int(rng.integers(args.rooms))], geoms[gi], speech, noise, cfg, rng)
                 for _ in range(args.batch)]
        noisy = torch.from_numpy(np.stack([it["noisy"] for it in items]))
        clean = torch.from_numpy(np.stack([it["clean"] for it in items]))
        spec, target = irm(noisy, clean)
        mask, _ = net(spec)
        loss = torch.mean((mask - target) ** 2)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        step += 1
        ema = float(loss.detach()) if ema is None else 0.95 * ema + 0.05 * float(loss.detach())
        if step % 25 == 0:
            print(f"step {step} loss {ema:.4f} ({time.time() - t0:.0f} s)", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()  # torch's zip writer refuses the temporary file's dotted name
    torch.save({"hidden": args.hidden, "state": net.state_dict(), "steps": step, "loss": ema}, buf)
    with replace_into(args.output) as tmp:
        tmp.write_bytes(buf.getvalue())
    print(f"saved {args.output} after {step} steps, loss {ema:.4f}")


if __name__ == "__main__":
    main()
