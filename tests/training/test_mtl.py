"""Multi-task training: the auxiliary heads learn and never reach model files; GradNorm moves its weights as
Chen et al. (2018) define."""

from __future__ import annotations

import pytest
import torch
import yaml
from torch import nn

from hush.errors import HushError
from hush.losses import build_loss
from hush.models import build_model, load
from hush.training import load_config
from hush.training.config import MTLConfig
from hush.training.gradnorm import GradNorm
from hush.training.mtl import MultiTaskTask
from hush.training.trainer import Trainer


def tiny_model(**options):
    torch.manual_seed(0)
    return build_model("tcn-denseunet", **build_model("tcn-denseunet").tiny_config(), **options)


def batch(n=2, t=8000):
    g = torch.Generator().manual_seed(5)
    clean = torch.randn(n, t, generator=g) * 0.1
    noise = torch.randn(n, t, generator=g) * 0.05
    return {"clean": clean, "noise": noise, "noisy": clean + noise}


@pytest.mark.parametrize("balance", ["fixed", "gradnorm"])
def test_heads_get_gradients(balance):
    model = tiny_model()
    task = MultiTaskTask(build_loss("si-snr"), MTLConfig(noise=1.0, tagging=10.0, balance=balance), model, 16000)
    loss, terms = task.training_step(model, batch())
    assert set(terms) >= {"si-snr", "noise", "tagging"}
    loss.backward()
    for name, head in task.heads.items():
        grads = [p.grad for p in head.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads), name
        assert sum(float(g.abs().sum()) for g in grads) > 0, name
    # the enhancement model learns from the auxiliary terms too: its shared decoder gets their gradient
    assert model.dec[0].transition.weight.grad.abs().sum() > 0


def test_tagging_targets_are_the_taggers_non_speech_probabilities():
    model = tiny_model()
    task = MultiTaskTask(build_loss("si-snr"), MTLConfig(tagging=1.0), model, 16000)
    b = batch()
    labels = task.pseudo_labels(b)
    assert labels.shape == (2, 526)
    logits, _ = task.tagger.at_rate(b["noisy"], 16000)
    assert torch.allclose(labels, torch.sigmoid(logits[:, 1:]))  # class 0 ("Speech") removed
    assert ((labels > 0) & (labels < 1)).all()


def test_heads_are_absent_at_inference(tmp_path):
    cfg = {
        "model": {"arch": "tcn-denseunet", "options": build_model("tcn-denseunet").tiny_config()},
        "data": {"kind": "synthetic", "epoch_size": 8, "valid_size": 2, "mix": {"segment_seconds": 0.5}},
        "loss": {"si-snr": 1.0},
        "optim": {"warmup_steps": 1},
        "mtl": {"noise": 1.0, "tagging": 1.0, "balance": "gradnorm"},
        "train": {
            "batch_size": 4,
            "max_steps": 2,
            "valid_every": 2,
            "log_every": 1,
            "out_dir": str(tmp_path / "r"),
            "tensorboard": False,
            "valid_metrics": ["si_sdr"],
            "select_metric": "si_sdr",
        },
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    trainer = Trainer(load_config(path), progress=False)
    best = trainer.fit()
    saved = torch.load(best, weights_only=True)["state_dict"]
    plain = build_model("tcn-denseunet", **build_model("tcn-denseunet").tiny_config()).state_dict()
    assert set(saved) == set(plain)  # nothing of the heads in the model file
    model = load(best)
    out = model(torch.randn(1, 4000) * 0.1)
    assert "enhanced" in out and not any("noise_estimate" in k or "tagging" in k for k in out)
    ckpt = torch.load(trainer.checkpoint_path, weights_only=True)
    assert {"mtl_heads", "gradnorm"} <= set(ckpt["extra"])  # a resumed run keeps heads and weights
    log = (tmp_path / "r" / "train.csv").read_text().splitlines()[0]
    assert "w_noise" in log and "w_tagging" in log


def test_mtl_config_errors(tmp_path):
    base = {"data": {"kind": "synthetic"}, "model": {"arch": "tcn-denseunet"}}
    for mtl, match in (
        ({"noise": 0.0}, "no auxiliary task"),
        ({"tagging": 1.0, "balance": "magic"}, "mtl.balance"),
        ({"tagging": -1.0}, "mtl.tagging"),
        ({"noise": 1.0, "tagging_labels": "clean"}, "mtl.tagging_labels"),
    ):
        p = tmp_path / "c.yaml"
        p.write_text(yaml.safe_dump({**base, "mtl": mtl}))
        with pytest.raises(HushError, match=match):
            load_config(p)


# ------------------------------------------------------------------------------------------------- GradNorm


class _TwoTasks(nn.Module):
    """A shared linear layer W and two task outputs whose loss scales we control."""

    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(4, 4)
        torch.nn.init.eye_(self.shared.weight)

    def losses(self, x: torch.Tensor, scale_a: float, scale_b: float) -> list[torch.Tensor]:
        h = self.shared(x)
        return [scale_a * h[:, :2].square().mean(), scale_b * h[:, 2:].square().mean()]


def test_gradnorm_lowers_the_weight_of_the_task_with_the_larger_gradient():
    net, x = _TwoTasks(), torch.ones(8, 4)
    gn = GradNorm(2, alpha=1.5, lr=0.05)
    losses = net.losses(x, 10.0, 1.0)  # equal training rates at the first step (r_i = 1), task A 10x the gradient
    total, info = gn.combine(losses, list(net.shared.parameters()))
    w = gn.weights.detach()
    assert w[0] < 1.0 < w[1]  # G_A above the mean gradient norm, G_B below: A loses weight, B gains
    assert torch.isclose(w.sum(), torch.tensor(2.0))  # renormalised to the number of tasks
    assert torch.isclose(total, losses[0] + losses[1])  # this step's total used the weights before the update
    assert info["grad_norm0"] > info["grad_norm1"]


def test_gradnorm_favours_the_task_that_trains_slower():
    net, x = _TwoTasks(), torch.ones(8, 4)
    gn = GradNorm(2, alpha=1.5, lr=0.05)
    gn.combine(net.losses(x, 1.0, 1.0), list(net.shared.parameters()))  # the first step fixes L_i(0)
    gn.weights.data.fill_(1.0)
    gn.opt = torch.optim.Adam([gn.weights], lr=0.05)
    # task A's loss fell to a tenth, B's stayed: r_A < 1 < r_B; equal gradient norms otherwise
    with torch.no_grad():
        gn.initial.copy_(torch.tensor([10.0, 1.0]) * gn.initial)
    gn.combine(net.losses(x, 1.0, 1.0), list(net.shared.parameters()))
    w = gn.weights.detach()
    assert w[1] > 1.0 > w[0]


def test_gradnorm_alpha_zero_equalises_gradient_norms_over_steps():
    net, x = _TwoTasks(), torch.ones(8, 4)
    gn = GradNorm(2, alpha=0.0, lr=0.05)
    shared = list(net.shared.parameters())
    for _ in range(80):
        _, info = gn.combine(net.losses(x, 4.0, 1.0), shared)
    assert abs(info["grad_norm0"] - info["grad_norm1"]) < 0.1 * info["grad_norm1"]
    assert float(gn.weights[1] / gn.weights[0]) == pytest.approx(4.0, rel=0.1)  # w_i * ||grad L_i|| equal


def test_gradnorm_decibel_losses_use_power_ratios():
    gn = GradNorm(2, scales=["db", "linear"])
    gn.initial.copy_(torch.tensor([-5.0, 2.0]))
    rel = gn.relative_losses(torch.tensor([-15.0, 1.0]))
    assert torch.allclose(rel, torch.tensor([0.1, 0.5]))  # 10 dB better is a tenth; a linear loss halved is 0.5
