"""hush.losses: registry, spec parsing and the properties every loss must have."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hush.losses import (  # noqa: E402
    Loss,
    LossSpecError,
    MultiResolutionSTFTLoss,
    WeightedSum,
    build_loss,
    create_loss,
    register,
)
from hush.losses import names as loss_names  # noqa: E402
from tests.helpers.signals import speech_like  # noqa: E402

T = 4000
# Losses of model outputs other than the waveform have their own tests (tests/losses/test_zoo_losses.py).
ALL = [n for n in loss_names() if n not in ("tf-consistency", "flow-matching")]
# Losses that compare with a reference; `dnsmos` scores the estimate alone (tests/losses/test_dnsmos_loss.py).
INTRUSIVE = [n for n in ALL if n != "dnsmos"]


@pytest.fixture(scope="module")
def clean():
    x = np.stack([speech_like(seconds=T / 16000, seed=s)[:T] for s in (0, 1)])
    return torch.from_numpy(x)


@pytest.fixture(scope="module")
def noise():
    g = torch.Generator().manual_seed(0)
    return 0.03 * torch.randn(2, T, generator=g)


# Options that make a loss defined on these 0.25 s signals (ESTOI's default 30-frame segments need 0.4 s).
SHORT_SIGNAL_OPTIONS = {"estoi": {"segment_frames": 8}}


def value(name, est, ref, **kw):
    return create_loss(name, **SHORT_SIGNAL_OPTIONS.get(name, {}))({"enhanced": est}, {"clean": ref, **kw})


def test_registry_lists_the_builtin_losses():
    expected = {"mse", "l1", "spectral-mse", "lsm", "si-snr", "mr-stft", "compressed-complex", "seg-weighted-mse"}
    assert expected <= set(ALL)
    for name in ALL:
        loss = create_loss(name)
        assert isinstance(loss, Loss) and loss.name == name
    with pytest.raises(LossSpecError, match="unknown loss"):
        create_loss("nope")
    with pytest.raises(LossSpecError, match="bad options"):
        create_loss("mse", bogus=1)


@pytest.mark.parametrize("name", INTRUSIVE)
def test_minimum_at_reference_and_larger_for_noisy(name, clean, noise):
    perfect = value(name, clean, clean)
    noisy = value(name, clean + noise, clean)
    assert perfect.ndim == 0 and torch.isfinite(perfect) and torch.isfinite(noisy)
    if name == "si-snr":
        assert perfect < -40
    else:
        assert abs(perfect.item()) < 1e-6
    assert noisy > perfect + 1e-4
    assert value(name, clean + 3 * noise, clean) > noisy  # monotone in the noise level


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("case", ["random", "zero-est", "zero-ref", "both-zero"])
def test_finite_value_and_gradients(name, case, clean):
    g = torch.Generator().manual_seed(1)
    est = 0.1 * torch.randn(2, T, generator=g)
    ref = clean.clone()
    if case in ("zero-est", "both-zero"):
        est = torch.zeros(2, T)
    if case in ("zero-ref", "both-zero"):
        ref = torch.zeros(2, T)
    est.requires_grad_(True)
    v = value(name, est, ref)
    v.backward()
    assert torch.isfinite(v), (name, case, v)
    assert torch.isfinite(est.grad).all(), (name, case)
    if case == "random":
        assert est.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ALL)
def test_mask_excludes_padding(name, clean, noise):
    mask = torch.ones(2, T)
    mask[1, 3000:] = 0  # second utterance padded
    est = (clean + noise).clone()
    base = value(name, est, clean, mask=mask)
    est2 = est.clone()
    est2[1, 3000:] = torch.randn(T - 3000)
    ref2 = clean.clone()
    ref2[1, 3000:] = 5.0
    est2.requires_grad_(True)
    changed = value(name, est2, ref2, mask=mask)
    torch.testing.assert_close(changed, base, rtol=1e-6, atol=1e-6)
    changed.backward()
    assert est2.grad[1, 3000:].abs().max() == 0
    # padding must not dilute the average: same value as the trimmed utterance alone (time-domain means)
    if name in ("mse", "l1", "si-snr"):
        alone = value(name, est[1:, :3000], clean[1:, :3000])
        with_pad = value(name, est[1:], clean[1:], mask=mask[1:])
        torch.testing.assert_close(with_pad, alone, rtol=1e-5, atol=1e-6)


def test_bool_mask_and_multichannel(clean, noise):
    est = torch.stack([clean + noise, clean - noise], dim=1)  # (B, C, T)
    ref = torch.stack([clean, clean], dim=1)
    mask = torch.ones(2, T, dtype=torch.bool)
    mask[0, 2000:] = False
    for name in ALL:
        v = value(name, est, ref, mask=mask)
        assert v.ndim == 0 and torch.isfinite(v)


def test_si_snr_scale_invariance(clean, noise):
    est = clean + noise
    base = value("si-snr", est, clean)
    for g in (0.1, 3.0):
        torch.testing.assert_close(value("si-snr", g * est, clean), base, rtol=1e-4, atol=1e-3)
    # zero-mean: a DC offset on the estimate does not matter
    torch.testing.assert_close(value("si-snr", est + 0.5, clean), base, rtol=1e-4, atol=1e-3)
    # matches the closed form for a known SNR
    snr = 10 * math.log10(float((clean**2).sum()) / float((noise**2).sum()))
    assert abs(-base.item() - snr) < 0.5


def test_lsm_compares_log_power(clean):
    v = value("lsm", 2 * clean, clean)
    assert 0.5 * (2 * math.log(2)) ** 2 < v < 1.01 * (2 * math.log(2)) ** 2


def test_mr_stft_resolutions(clean, noise):
    default = create_loss("mr-stft")
    assert default.resolutions == ((256, 64, 256), (512, 128, 512), (1024, 256, 1024))
    custom = create_loss("mr-stft", resolutions=[[128, 32], [512, 128, 300]], sc_weight=0.5)
    assert custom.resolutions == ((128, 32, 128), (512, 128, 300))
    out, batch = {"enhanced": clean + noise}, {"clean": clean}
    # the total is the mean over resolutions of sc_weight * SC + mag_weight * log-mag L1
    parts = [custom.single(clean + noise, clean, None, *r) for r in custom.resolutions]
    expected = sum(0.5 * sc + mag for sc, mag in parts) / 2
    torch.testing.assert_close(custom(out, batch), expected)
    assert not torch.isclose(custom(out, batch), default(out, batch))
    single = MultiResolutionSTFTLoss(resolutions=[(512, 128)])
    assert torch.isfinite(single(out, batch))
    with pytest.raises(ValueError):
        MultiResolutionSTFTLoss(resolutions=[(512, 128, 1024)])
    with pytest.raises(ValueError):
        MultiResolutionSTFTLoss(resolutions=[])


def test_spectral_mse_modes(clean, noise):
    c = create_loss("spectral-mse", mode="complex")({"enhanced": -clean}, {"clean": clean})
    m = create_loss("spectral-mse", mode="magnitude")({"enhanced": -clean}, {"clean": clean})
    assert c > 1 and abs(m.item()) < 1e-6  # sign flip: same magnitudes
    with pytest.raises(ValueError):
        create_loss("spectral-mse", mode="phase")


def test_compressed_complex_weights(clean, noise):
    est = clean + noise
    mag_only = create_loss("compressed-complex", alpha=0.0)({"enhanced": est}, {"clean": clean})
    cplx_only = create_loss("compressed-complex", alpha=1.0)({"enhanced": est}, {"clean": clean})
    mixed = create_loss("compressed-complex")({"enhanced": est}, {"clean": clean})
    torch.testing.assert_close(mixed, 0.3 * cplx_only + 0.7 * mag_only)
    assert cplx_only >= mag_only  # |a - b| >= ||a| - |b||


def test_compressed_complex_over_weight_penalises_residual_noise(clean, noise):
    sym = create_loss("compressed-complex", alpha=0.0)
    asym = create_loss("compressed-complex", alpha=0.0, over_weight=4.0)
    louder, quieter = 1.5 * clean, clean / 1.5  # every bin over- (under-) estimated by the same factor
    torch.testing.assert_close(
        asym({"enhanced": louder}, {"clean": clean}), 4.0 * sym({"enhanced": louder}, {"clean": clean})
    )
    torch.testing.assert_close(
        asym({"enhanced": quieter}, {"clean": clean}), sym({"enhanced": quieter}, {"clean": clean})
    )
    # a residual of the noise costs more than the same relative loss of speech would under the symmetric loss
    est = clean + 0.3 * noise
    assert asym({"enhanced": est}, {"clean": clean}) > 2 * sym({"enhanced": est}, {"clean": clean})
    with pytest.raises(ValueError, match="over_weight"):
        create_loss("compressed-complex", over_weight=0.0)


def test_seg_weighted_mse(clean, noise):
    est = clean + noise
    # non-overlapping frames, uniform weights, T a multiple of the frame: plain MSE
    flat = create_loss("seg-weighted-mse", frame_len=500, hop=500, gamma=0.0)
    torch.testing.assert_close(flat({"enhanced": est}, {"clean": clean}), value("mse", est, clean))
    seg = create_loss("seg-weighted-mse")
    k = seg.n_frames(T)
    w = torch.zeros(2, k)
    w[:, 3] = 1.0  # only frame 3 counts
    got = seg({"enhanced": est}, {"clean": clean, "frame_weights": w})
    frame3 = ((est - clean)[:, 3 * 256 : 3 * 256 + 512] ** 2).mean()
    torch.testing.assert_close(got, frame3)
    with pytest.raises(ValueError, match="frames"):
        seg({"enhanced": est}, {"clean": clean, "frame_weights": torch.ones(2, k + 1)})
    # energy weighting: error in the loudest frame costs more than the same error in the quietest
    e = ((clean**2).unfold(-1, 512, 256).mean(-1))[0]
    loud, quiet = int(e.argmax()), int(e.argmin())
    bump = torch.zeros(2, T)
    bump_q = bump.clone()
    bump[0, loud * 256 : loud * 256 + 256] = 0.05
    bump_q[0, quiet * 256 : quiet * 256 + 256] = 0.05
    assert seg({"enhanced": clean + bump}, {"clean": clean}) > seg({"enhanced": clean + bump_q}, {"clean": clean})


def test_est_and_ref_keys(clean, noise):
    loss = create_loss("mse", est_key="student", ref_key="teacher")
    teacher = (clean + 0.1 * noise).requires_grad_(True)
    student = (clean + noise).requires_grad_(True)
    v = loss({"student": student, "teacher": teacher, "enhanced": clean}, {"clean": clean})
    torch.testing.assert_close(v, ((student - teacher) ** 2).mean())
    v.backward()
    assert teacher.grad is None  # reference detached by default
    with pytest.raises(KeyError, match="teacher"):
        loss({"student": student}, {"clean": clean})
    with pytest.raises(ValueError, match="shapes differ"):
        value("mse", clean[:, :100], clean)


def test_build_loss_spec_forms(clean, noise):
    out, batch = {"enhanced": clean + noise}, {"clean": clean}
    single = build_loss("si-snr")
    assert isinstance(single, WeightedSum) and single.labels == ["si-snr"] and single.weights == [1.0]
    mapping = build_loss({"mse": 2.0, "mr-stft": {"weight": 0.5, "resolutions": [(256, 64)]}})
    assert mapping.labels == ["mse", "mr-stft"] and mapping.weights == [2.0, 0.5]
    assert mapping["mr-stft"].resolutions == ((256, 64, 256),)
    listed = build_loss(
        [
            "l1",
            {"name": "mse", "weight": 0.25},
            {"name": "mse", "weight": 1.0, "est_key": "noisy", "label": "noisy-mse"},
            {"name": "mse"},
        ]
    )
    assert listed.labels == ["l1", "mse", "noisy-mse", "mse#2"]
    assert listed.weights == [1.0, 0.25, 1.0, 1.0]
    assert listed["noisy-mse"].est_key == "noisy"
    for loss in (single, mapping, listed):
        assert torch.isfinite(loss(out, {**batch, "noisy": clean + 2 * noise}))
    assert build_loss(mapping) is mapping
    assert build_loss(create_loss("l1")).labels == ["l1"]
    for bad in ("nope", {"mse": "heavy"}, [{"weight": 1.0}], {"mse": float("nan")}, [], 3, {"mse": True}):
        with pytest.raises(LossSpecError):
            build_loss(bad)


def test_weighted_sum_total_and_logging(clean, noise):
    est = (clean + noise).requires_grad_(True)
    loss = build_loss({"mse": 2.0, "si-snr": 0.1, "mr-stft": 0.0})
    total = loss({"enhanced": est}, {"clean": clean})
    last = loss.last
    assert set(last) == {"mse", "si-snr", "mr-stft"} and all(isinstance(v, float) for v in last.values())
    assert last["mse"] == pytest.approx(value("mse", est, clean).item(), rel=1e-6)
    assert total.item() == pytest.approx(2.0 * last["mse"] + 0.1 * last["si-snr"], rel=1e-5)
    assert loss.last_total == pytest.approx(total.item())
    assert last["mr-stft"] > 0  # weight-0 terms are logged only
    total.backward()
    est.grad = None
    loss.set_weight("mr-stft", 1.0)
    t2 = loss({"enhanced": est}, {"clean": clean})
    assert t2.item() == pytest.approx(total.item() + loss.last["mr-stft"], rel=1e-5)
    with pytest.raises(LossSpecError):
        loss.set_weight("mse", float("inf"))


def test_register_custom_loss():
    from hush.losses import base

    name = "test-only-energy"
    try:

        @register(name)
        class Energy(Loss):
            def compute(self, est, ref, mask):
                return est.square().mean()

        assert name in loss_names()
        v = build_loss({name: 1.0})({"enhanced": torch.ones(1, 10)}, {"clean": torch.zeros(1, 10)})
        assert v.item() == pytest.approx(1.0)
        with pytest.raises(ValueError, match="twice"):
            register("mse")(Energy)
    finally:
        base.LOSSES.unregister(name)
    with pytest.raises(TypeError):
        register("not-a-loss")(int)
