"""What the DNS-era zoo systems promise beyond the contract tests: FullSubNet's lookahead, normalisation and cIRM,
Fast FullSubNet's causal time down-sampling, MP-SENet's bounded mask and level invariance, the dual-path erbdf trunk,
and flowse's sampling, training forward, predictor and cost per step."""

import math

import numpy as np
import pytest
import torch

from hush import models
from hush.errors import MethodError
from hush.models import build_model, load, save
from hush.models.complexity import describe, macs_per_second
from hush.models.enhancer import ModelEnhancer


def tiny(arch, **opts):
    torch.manual_seed(0)
    return build_model(arch, **{**models.get(arch).tiny_config(), **opts}).eval()


def tone_noise(seconds=0.6, seed=0, n=1):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(int(16000 * seconds)) / 16000
    clean = 0.1 * torch.sin(2 * torch.pi * 300 * t) * (1 + torch.sin(2 * torch.pi * 3 * t))
    clean = clean.repeat(n, 1)
    return clean + 0.05 * torch.randn(clean.shape, generator=g), clean


def test_cirm_decompression_inverts_the_compression():
    from hush.models.zoo.fullsubnet import decompress_cirm

    m = torch.linspace(-20, 20, 81)
    k, c = 10.0, 0.1
    compressed = k * (1 - torch.exp(-c * m)) / (1 + torch.exp(-c * m))
    torch.testing.assert_close(decompress_cirm(compressed, k, c, 9.99), m, atol=1e-3, rtol=1e-4)
    assert decompress_cirm(torch.tensor([50.0]), k, c, 9.9).item() == pytest.approx(-math.log(0.1 / 19.9) / c)


@pytest.mark.parametrize("arch", ["fullsubnet", "fast-fullsubnet"])
def test_fullsubnet_lookahead_frames_are_used_and_nothing_later(arch):
    model = tiny(arch)
    base = tiny(arch, lookahead_frames=0)
    assert model.lookahead == base.lookahead + 2 * model.hop_size  # two frames, as in the paper
    noisy, _ = tone_noise()
    t = noisy.shape[-1] // 2
    with torch.no_grad():
        ref = model(noisy)["enhanced"]
        near = noisy.clone()
        near[:, t + base.lookahead : t + model.lookahead] += torch.randn(1, model.lookahead - base.lookahead)
        assert not torch.allclose(model(near)["enhanced"][:, :t], ref[:, :t], atol=1e-5)
        far = noisy.clone()
        far[:, t + model.lookahead :] += torch.randn(1, noisy.shape[-1] - t - model.lookahead)
        torch.testing.assert_close(model(far)["enhanced"][:, :t], ref[:, :t], atol=1e-6, rtol=0)


def test_fullsubnet_offline_norm_uses_the_whole_utterance():
    model = tiny("fullsubnet", norm="offline")
    assert not model.causal and not model.supports_streaming
    noisy, _ = tone_noise()
    later = noisy.clone()
    later[:, -2000:] *= 10  # a louder end changes the normalisation of every frame
    with torch.no_grad():
        assert not torch.allclose(model(later)["enhanced"][:, :4000], model(noisy)["enhanced"][:, :4000], atol=1e-5)
    with pytest.raises(ValueError, match="norm"):
        tiny("fullsubnet", norm="batch")


def test_subband_unit_sees_each_bin_with_its_neighbours():
    from hush.models.zoo.fullsubnet import unfold_neighbours

    x = torch.arange(6.0).view(1, 1, 6)
    u = unfold_neighbours(x, 2)
    assert u.shape == (1, 1, 6, 5)
    assert u[0, 0, 3].tolist() == [1, 2, 3, 4, 5] and u[0, 0, 0].tolist() == [2, 1, 0, 1, 2]  # reflected edges
    model = tiny("fullsubnet", sb_neighbors=3, fb_neighbors=1)
    assert model.sb.rnn.input_size == (2 * 3 + 1) + (2 * 1 + 1)


def test_fast_fullsubnet_down_sampling_is_causal_and_matches_the_reference_blocks():
    from hush.models.zoo.fullsubnet import _shrink

    x = torch.arange(1.0, 10.0).view(1, 9, 1)  # frames 0..8
    steps, index, _ = _shrink(x, 0, None, 3)
    # frame 0 alone, then the means of frames 1-3 and 4-6 (the reference's real_time_downsampling)
    assert steps[0, :, 0].tolist() == [1.0, 3.0, 6.0]
    assert index.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]  # each step holds for the frames from its last input on
    parts = [_shrink(x[:, :4], 0, None, 3), None]
    parts[1] = _shrink(x[:, 4:], 4, parts[0][2], 3)
    assert torch.cat([parts[0][0], parts[1][0]], dim=1)[0, :, 0].tolist() == [1.0, 3.0, 6.0]
    assert parts[1][1].tolist() == [-1, -1, 0, 0, 0]  # frames 4, 5 still use the step completed at frame 3


def test_mp_senet_mask_is_bounded_phase_is_direct_and_level_is_kept():
    model = tiny("mp-senet")
    noisy, _ = tone_noise()
    with torch.no_grad():
        out = model(noisy)
        assert out["mask"].min() >= 0 and out["mask"].max() <= 2.0  # learnable sigmoid with beta = 2
        assert out["phase"].abs().max() <= math.pi + 1e-6
        torch.testing.assert_close(model(3 * noisy)["enhanced"], 3 * out["enhanced"], atol=1e-5, rtol=1e-4)
    assert out["compressed_mag"].shape == out["phase"].shape == out["spec"].shape


def test_dual_path_erbdf_is_dpdfnet_and_gru_configs_are_unchanged():
    dp = tiny("dpdfnet")
    same = build_model("erbdf", **{**models.get("dpdfnet").tiny_config(), "trunk": "dual_path"}).eval()
    same.load_state_dict(dp.state_dict())
    noisy, _ = tone_noise()
    with torch.no_grad():
        torch.testing.assert_close(same(noisy)["enhanced"], dp(noisy)["enhanced"])
    assert "trunk" not in tiny("erbdf").config and dp.config["trunk"] == "dual_path"
    with pytest.raises(ValueError, match="gru trunk only"):
        tiny("dpdfnet", spec_conv=4)
    # the time path is causal: a later frame changes nothing before it, at any block size (contract tests: step())
    la = tiny("dpdfnet", lookahead_frames=1)
    x = noisy[0].numpy()
    stream = ModelEnhancer(la).stream(16000)
    out = np.concatenate([stream.process(x[i : i + 71]) for i in range(0, len(x), 71)] + [stream.flush()])
    np.testing.assert_allclose(out[stream.delay :], la.enhance(x), atol=1e-5)


def test_flowse_sampling_is_seeded_and_steps_matter():
    model = tiny("flowse")
    torch.nn.init.normal_(model.net.out[-1].weight, std=0.1)  # a non-zero velocity field
    noisy, _ = tone_noise()
    with torch.no_grad():
        a = model(noisy)["enhanced"]
        torch.testing.assert_close(model(noisy)["enhanced"], a)
        model.seed = 1
        assert not torch.allclose(model(noisy)["enhanced"], a)
        model.seed, model.steps = 0, 6
        assert not torch.allclose(model(noisy)["enhanced"], a)
    with pytest.raises(ValueError, match="steps"):
        tiny("flowse", steps=0)


def test_flowse_untrained_flow_returns_the_noisy_start():
    """With zero velocity the sampler ends where it starts, the noisy spectrum plus sigma_max noise."""
    model = tiny("flowse", sigma_max=0.0)
    noisy, _ = tone_noise()
    with torch.no_grad():
        torch.testing.assert_close(model(noisy)["enhanced"], noisy, atol=1e-5, rtol=1e-4)


@pytest.mark.slow
def test_flowse_learns_the_flow_of_one_batch():
    model = tiny("flowse", sigma_max=0.1).train()
    noisy, clean = tone_noise(n=2)
    from hush.losses import create_loss

    loss_fn = create_loss("flow-matching")
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    torch.manual_seed(1)
    first = []
    for i in range(60):
        out = model(noisy, target=clean)
        loss = loss_fn(out, {})
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i < 5:
            first.append(loss.item())
    assert out["velocity"].shape == out["target_velocity"].shape and out["enhanced"].shape == noisy.shape
    model.eval()
    torch.manual_seed(2)
    with torch.no_grad():
        late = np.mean([loss_fn(model(noisy, target=clean), {}).item() for _ in range(5)])
        enhanced = model(noisy)["enhanced"]
    assert late < 0.6 * np.mean(first)
    assert (enhanced - clean).square().mean() < 0.7 * (noisy - clean).square().mean()


def test_flowse_with_a_predictor_stores_it_and_keeps_it_frozen(tmp_path):
    predictor = tiny("erbdf")
    path = save(predictor, tmp_path / "pred.pt")
    model = tiny("flowse", predictor=str(path))
    assert model.config["predictor_arch"] == "erbdf" and model.net.inp.in_channels == 6
    assert not any(p.requires_grad for p in model.predictor.parameters())
    model.train()
    assert not model.predictor.training
    noisy, clean = tone_noise()
    out = model(noisy, target=clean)
    out["velocity"].square().mean().backward()
    assert all(p.grad is None for p in model.predictor.parameters())
    saved = save(model.eval(), tmp_path / "flow.pt")
    path.unlink()  # the flow model's file carries the predictor
    again = load(saved)
    with torch.no_grad():
        torch.testing.assert_close(again(noisy)["enhanced"], model(noisy)["enhanced"])
    with pytest.raises(MethodError, match="not found"):
        tiny("flowse", predictor=str(path))


def test_flowse_cost_is_reported_per_sampling_step():
    model = tiny("flowse")
    row = describe(model)
    assert row["steps"] == 2 and row["macs_per_step"] > 0 and row["macs_fixed"] > 0
    model.steps = 5
    assert macs_per_second(model) == pytest.approx(row["macs_fixed"] + 5 * row["macs_per_step"], rel=1e-3)
    assert "macs_per_step" not in describe(tiny("erbdf"))
