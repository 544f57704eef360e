"""Training the DNS-era zoo systems: the target-conditioned forward of generative models and the metric
discriminator (MetricGAN) task, including its exact resume."""

import csv

import numpy as np
import pytest
import torch
import yaml

from hush.training import load_config
from hush.training.config import Config, ConfigError, MetricGANConfig, from_dict
from hush.training.task import Task
from hush.training.trainer import Trainer


def tiny_config(out_dir, **train) -> dict:
    return {
        "model": {"arch": "gru", "options": {"hidden": 16, "layers": 1, "n_fft": 256, "hop": 128}},
        "data": {"kind": "synthetic", "epoch_size": 16, "valid_size": 4, "mix": {"segment_seconds": 1.0}},
        "loss": {"mse": 1.0},
        "optim": {"lr": 3e-3, "warmup_steps": 1},
        "train": {"batch_size": 4, "log_every": 1, "out_dir": str(out_dir), "tensorboard": False, "seed": 3, **train},
    }


def read_csv(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_task_hands_the_target_to_models_that_need_it():
    from hush.losses import build_loss
    from hush.models import build_model, get

    model = build_model("flowse", **get("flowse").tiny_config())
    g = torch.Generator().manual_seed(0)
    batch = {"noisy": 0.1 * torch.randn(2, 4000, generator=g), "clean": 0.1 * torch.randn(2, 4000, generator=g)}
    loss, terms = Task(build_loss("flow-matching")).training_step(model, batch)
    assert torch.isfinite(loss) and set(terms) == {"flow-matching"}


def test_metric_gan_config_is_checked(tmp_path):
    cfg = tiny_config(tmp_path / "r")
    cfg["metric_gan"] = {"metric": "si_sdr"}
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="metric_gan.metric"):
        load_config(p)
    cfg["metric_gan"] = {"weight": 0.1}
    p.write_text(yaml.safe_dump(cfg))
    assert load_config(p).metric_gan == MetricGANConfig(weight=0.1)


@pytest.mark.slow
def test_discriminator_learns_the_metric_and_the_enhancer_gets_its_gradient():
    from hush.losses import build_loss
    from hush.models import build_model
    from hush.training.metric_gan import MetricGANTask

    torch.manual_seed(0)
    task = MetricGANTask(build_loss("mse"), MetricGANConfig(channels=4, lr=2e-3), 16000)
    t = torch.arange(16000) / 16000
    clean = (0.1 * torch.sin(2 * torch.pi * 220 * t) * (1 + torch.sin(2 * torch.pi * 2 * t))).repeat(2, 1)
    noisy = clean + 0.05 * torch.randn(clean.shape)
    q = task.scores(clean, noisy, None)
    assert q.shape == (2,) and torch.all((q > 0) & (q < 0.6))  # noisy speech: PESQ well under 4.5
    q_silent = task.scores(clean, torch.zeros_like(clean), None)
    assert not torch.isfinite(q_silent).any() or torch.all(q_silent < 0.1)
    ref, est = task.magnitudes(clean), task.magnitudes(noisy)
    losses = [task.discriminator_step(ref, est, q) for _ in range(25)]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    model = build_model("gru", hidden=8, layers=1, n_fft=256, hop=128)
    loss, terms = task.training_step(model, {"noisy": noisy, "clean": clean})
    assert {"disc", "metric_gan", "metric_target", "mse"} <= set(terms)
    loss.backward()
    assert all(p.grad is None for p in task.critic.disc.parameters())  # the enhancer's loss does not train D
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.slow
def test_metric_gan_run_resumes_exactly(tmp_path):
    def cfg(out):
        c = tiny_config(out, max_steps=4, valid_every=2)
        c["metric_gan"] = {"channels": 4}
        return from_dict(Config, c)

    Trainer(cfg(tmp_path / "a"), progress=False).fit()
    Trainer(cfg(tmp_path / "b"), progress=False, stop_at=2).fit()
    Trainer(cfg(tmp_path / "b"), resume=True, progress=False).fit()
    a = read_csv(tmp_path / "a" / "train.csv")
    b = read_csv(tmp_path / "b" / "train.csv")
    assert [r["step"] for r in b] == [r["step"] for r in a] == ["1", "2", "3", "4"]
    for key in ("loss", "disc", "metric_gan"):
        np.testing.assert_allclose([float(r[key]) for r in b], [float(r[key]) for r in a], rtol=1e-5, atol=1e-6)
