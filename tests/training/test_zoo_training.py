"""Training the DNS-era zoo systems: the target-conditioned forward of generative models and MP-SENet's metric
discriminator (MetricGAN) task, including its exact resume (tests/training/test_gan.py covers the rest)."""

import numpy as np
import pytest
import torch
import yaml

from hush.training import load_config
from hush.training.config import Config, ConfigError, MetricGANConfig, from_dict
from hush.training.task import Task
from hush.training.trainer import Trainer
from tests.helpers.training import read_csv, tiny_config


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
    cfg["metric_gan"] = {"metric": "wer"}
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="metric_gan.metric"):
        load_config(p)
    cfg["metric_gan"] = {"weight": 0.1}
    p.write_text(yaml.safe_dump(cfg))
    assert load_config(p).metric_gan == MetricGANConfig(weight=0.1)


@pytest.mark.slow
def test_metric_gan_scores_noisy_speech_and_the_discriminator_learns_them():
    from hush.losses import build_loss
    from hush.models import build_model
    from hush.training.metric_gan import MetricGANTask
    from hush.training.metric_workers import Entry

    torch.manual_seed(0)
    model = build_model("gru", hidden=8, layers=1, n_fft=256, hop=128)
    task = MetricGANTask(build_loss("mse"), MetricGANConfig(channels=4, lr=2e-3), model)
    t = torch.arange(16000) / 16000
    clean = (0.1 * torch.sin(2 * torch.pi * 220 * t) * (1 + torch.sin(2 * torch.pi * 2 * t))).repeat(2, 1)
    noisy = clean + 0.05 * torch.randn(clean.shape)
    entry = Entry(clean, torch.tensor([16000, 16000]), {"g0": noisy}, {"g0": ["pesq_wb"]})
    q = task.state.queue.push(entry).scores["g0"][:, 0]
    assert q.shape == (2,) and torch.all((q > 0) & (q < 0.6))  # noisy speech: PESQ well under 4.5
    losses = [task.discriminator_step(0, [(clean, clean, torch.ones(2)), (clean, noisy, q)]) for _ in range(25)]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    loss, terms = task.training_step(model, {"noisy": noisy, "clean": clean})
    assert {"disc", "metric_gan", "q_pesq_wb", "d_acc_pesq_wb", "mse"} <= set(terms)


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
