"""Knowledge distillation (hush.training.distill): hooks, adapters, exact zeros, a short run, the cache, errors."""

import copy
import csv

import pytest
import torch
import yaml

from hush.data.mixing.synthetic import SyntheticMixDataset
from hush.errors import HushError
from hush.losses import build_loss
from hush.models import build_model, load, save
from hush.training import load_config
from hush.training.config import Config, DistillConfig, from_dict
from hush.training.distill import DistillTask
from hush.training.trainer import Trainer


def tiny(arch: str, **options):
    return build_model(arch, **{**build_model(arch).tiny_config(), **options})


def erbdf_pair(hidden_teacher: int = 16):
    torch.manual_seed(0)
    return tiny("erbdf", hidden=hidden_teacher, bidirectional=True).eval(), tiny("erbdf")


def dcfg(**spec) -> DistillConfig:
    return from_dict(DistillConfig, {"teacher": "unused.pt", **spec}, "distill")


def batch_of(n: int = 3, length: int = 4000, seed: int = 0) -> dict:
    ds = SyntheticMixDataset(n, 16000, length / 16000, seed=seed)
    items = [ds[i] for i in range(n)]
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


ALL_ERBDF = {
    "output": 1.0,
    "output_loss": {"mr-stft": 1.0, "mse": 1.0},
    "features": [
        {"student": "trunk", "teacher": "trunk"},
        {"student": "erb_in", "teacher": "erb_in", "loss": "cosine"},
        {"student": "df_head", "teacher": "df_head", "loss": "l1"},
    ],
    "attention": {
        "weight": 1.0,
        "layers": [{"student": "trunk", "teacher": "trunk"}, {"student": "erb_in", "teacher": "erb_in"}],
    },
}
ALL_MANNER = {
    "output": 1.0,
    "features": [
        {"student": "net.enc_conf.1", "teacher": "net.enc_conf.1"},
        {"student": "net.enc_ma.0.glob", "teacher": "net.enc_ma.0.glob", "loss": "cosine"},
    ],
    "attention": {"weight": 1.0, "layers": [{"student": "net.down.0", "teacher": "net.down.0"}]},
    "mvat": {"weight": 1.0},
}


def test_hooks_capture_the_named_layers():
    teacher, student = erbdf_pair()
    task = DistillTask(build_loss("mse"), dcfg(**ALL_ERBDF), student, teacher)
    seen = {}
    for name in ("trunk", "erb_in", "df_head"):
        student.get_submodule(name).register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o))
    with task.s_capture.recording() as store:
        student(batch_of()["noisy"])
    assert set(store) == {"trunk", "erb_in", "df_head"}
    assert store["trunk"] is seen["trunk"][0]  # nn.GRU returns (output, h_n): the output sequence is captured
    assert store["erb_in"] is seen["erb_in"] and store["df_head"] is seen["df_head"]
    assert store["trunk"].shape == (3, store["trunk"].shape[1], 16)
    t = task.teacher_outputs(batch_of()["noisy"])
    assert t["trunk"].shape[-1] == 32 and t["enhanced"].shape == (3, 4000)  # bidirectional: 2 x hidden
    # manner: the view branches of a multi-view attention block return (features, map, state)
    mt = tiny("manner").eval()
    ms = tiny("rt-manner")
    task = DistillTask(build_loss("mse"), dcfg(mvat={"weight": 1.0, "blocks": ["enc1"]}), ms, mt)
    assert [p[0] for p in task.mvat_pairs] == ["net.enc_ma.1.channel", "net.enc_ma.1.glob", "net.enc_ma.1.local"]
    got = {}
    ms.get_submodule("net.enc_ma.1.glob").register_forward_hook(lambda m, i, o: got.__setitem__("g", o))
    with task.s_capture.recording() as store:
        out = ms(batch_of()["noisy"])
    assert store["net.enc_ma.1.glob"] is got["g"][0]
    assert store["net.enc_ma.1.glob"].shape[-1] == out["enc1"].shape[-1]  # (B, C_branch, T_level)


def test_adapters_train_and_feature_loss_decreases():
    teacher, student = erbdf_pair(hidden_teacher=24)  # teacher trunk 48 wide, student 16: an adapter is needed
    task = DistillTask(
        build_loss({"mse": 0.0}),
        dcfg(output=0.0, features=[{"student": "trunk", "teacher": "trunk"}]),
        student,
        teacher,
    )
    assert set(task.extra_modules()) == {"distill_adapters"}
    adapter = task.adapters["feat0"]
    assert adapter.proj.in_features == 16 and adapter.proj.out_features == 48
    before = copy.deepcopy(adapter.state_dict())
    params = list(student.parameters()) + list(task.extra_modules()["distill_adapters"].parameters())
    opt = torch.optim.Adam(params, lr=3e-3)
    batch, losses = batch_of(4), []
    for _ in range(8):
        loss, terms = task.training_step(student, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(terms["kd_feat0"])
    assert all(not torch.equal(before[k], v) for k, v in adapter.state_dict().items())
    assert losses[-1] < 0.8 * losses[0], losses
    # shapes that match need no adapter; adapter: always forces one
    feats = [{"student": "trunk", "teacher": "trunk"}, {"student": "erb_in", "teacher": "erb_in", "adapter": "always"}]
    task = DistillTask(build_loss("mse"), dcfg(features=feats), tiny("erbdf"), tiny("erbdf").eval())
    assert set(task.adapters) == {"feat1"}


@pytest.mark.parametrize("arch,spec", [("erbdf", ALL_ERBDF), ("manner", ALL_MANNER), ("rt-manner", ALL_MANNER)])
def test_every_term_is_zero_when_the_student_is_the_teacher(arch, spec):
    torch.manual_seed(1)
    teacher = tiny(arch, bidirectional=True) if arch == "erbdf" else tiny(arch)
    expected = {"kd_output", "kd_feat0", "kd_feat1", "kd_att"} | ({"kd_feat2"} if arch == "erbdf" else {"kd_mvat"})
    copied = copy.deepcopy(teacher).eval()  # eval: batch norm as in the teacher
    shared = copy.deepcopy(teacher).eval()
    shared.load_state_dict(teacher.state_dict(), assign=True)  # the very same weight tensors
    for student, tol in ((shared, 1e-7), (copied, 1e-6)):  # a copy: equal values at other addresses, which
        task = DistillTask(build_loss("mse"), dcfg(**spec), student, teacher.eval())  # may round differently
        assert not task.adapters
        _, terms = task.training_step(student, batch_of(length=4096))
        kd = {k: v for k, v in terms.items() if k.startswith("kd_")}
        assert set(kd) == expected
        assert all(abs(v) <= tol for v in kd.values()), (tol, kd)
    # and not zero for a different student (the terms measure something)
    other = tiny(arch).eval() if arch == "erbdf" else tiny("rt-manner").eval()
    task = DistillTask(build_loss("mse"), dcfg(**spec), other, teacher)
    _, terms = task.training_step(other, batch_of(length=4096))
    assert all(terms[k] > 1e-4 for k in expected), terms


def test_mvat_between_manner_teacher_and_rt_manner_student_has_gradients():
    torch.manual_seed(2)
    teacher, student = tiny("manner").eval(), tiny("rt-manner", channels=6)  # other widths: no adapter needed
    task = DistillTask(build_loss("mse"), dcfg(output=0.0, mvat={"weight": 1.0}), student, teacher)
    loss, terms = task.training_step(student, batch_of(length=4096))
    loss.backward()
    assert terms["kd_mvat"] > 0
    grads = [p.grad for n, p in student.named_parameters() if n.startswith("net.enc_ma.0.")]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)


def _distance(model, teacher, noisy) -> float:
    with torch.no_grad():
        return float((model(noisy)["enhanced"] - teacher(noisy)["enhanced"]).square().mean())


@pytest.mark.slow
def test_short_distillation_run_brings_the_student_closer_to_the_teacher(tmp_path):
    torch.manual_seed(5)
    teacher = tiny("erbdf", bidirectional=True)
    with torch.no_grad():  # a teacher unlike a fresh student: passes nearly everything, band gain ~0.95
        teacher.erb_head.bias.fill_(3.0)
        teacher.df_alpha.bias.fill_(-3.0)
    save(teacher.eval(), tmp_path / "teacher.pt")
    cfg = {
        "model": {"arch": "erbdf", "options": build_model("erbdf").tiny_config()},
        "data": {"kind": "synthetic", "epoch_size": 64, "valid_size": 4, "mix": {"segment_seconds": 0.5}},
        "loss": {"mse": 0.0},  # logged only: the student learns from the teacher alone
        "optim": {"lr": 1e-2, "warmup_steps": 2, "schedule": "constant"},
        "train": {
            "batch_size": 8,
            "max_steps": 40,
            "valid_every": 40,
            "log_every": 1,
            "out_dir": str(tmp_path / "run"),
            "tensorboard": False,
            "seed": 4,
        },
        "distill": {
            "teacher": str(tmp_path / "teacher.pt"),
            "output": 1.0,
            "output_loss": {"mse": 1000.0},
            "features": [{"student": "trunk", "teacher": "trunk", "weight": 0.1}],
        },
    }
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    trainer = Trainer(load_config(tmp_path / "cfg.yaml"), progress=False)
    assert isinstance(trainer.task, DistillTask) and "distill_adapters" in trainer.task.extra_modules()
    initial = copy.deepcopy(trainer.model).eval()
    trainer.fit()
    final = load(tmp_path / "run" / "last.pt")
    teacher = load(tmp_path / "teacher.pt")
    held_out = batch_of(8, 8000, seed=99)["noisy"]
    d0, d1 = _distance(initial, teacher, held_out), _distance(final, teacher, held_out)
    assert d1 < 0.3 * d0, (d0, d1)
    with open(tmp_path / "run" / "train.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {"mse", "kd_output", "kd_feat0"} <= set(rows[0])
    assert float(rows[-1]["kd_output"]) < float(rows[0]["kd_output"])
    doc = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    trained = doc["extra"]["distill_adapters"]["feat0.proj.weight"]
    resumed = Trainer(load_config(tmp_path / "cfg.yaml"), resume=True, progress=False)  # adapters come back
    assert torch.equal(resumed.task.extra_modules()["distill_adapters"]["feat0"].proj.weight, trained)


def test_cached_teacher_outputs_give_identical_losses(tmp_path):
    teacher, student = erbdf_pair(hidden_teacher=24)
    spec = {**ALL_ERBDF}
    plain = DistillTask(build_loss("mse"), dcfg(**spec), student, teacher)
    cached = DistillTask(build_loss("mse"), dcfg(**spec, cache_dir=str(tmp_path / "cache")), student, teacher)
    cached.adapters.load_state_dict(plain.adapters.state_dict())
    batch = batch_of(4)
    ref, ref_terms = plain.training_step(student, batch)
    cold, cold_terms = cached.training_step(student, batch)  # computes and writes
    warm, warm_terms = cached.training_step(student, batch)  # reads
    n_entries = 1 + 3  # the output and the teacher layers trunk, erb_in, df_head
    assert cached.cache.hits == 1 and len(list((tmp_path / "cache").rglob("*.pt"))) == 4 * n_entries
    assert float(ref.detach()) == float(cold.detach()) == float(warm.detach())
    assert ref_terms == cold_terms == warm_terms
    # another batch order reuses the per-item entries
    shuffled = {k: v[[2, 0, 3, 1]] for k, v in batch.items()}
    assert cached.training_step(student, shuffled)[1] == plain.training_step(student, shuffled)[1]
    assert cached.cache.hits == 2
    # a run capturing fewer layers of the same teacher reuses the entries; another teacher gets its own folder
    fewer_cfg = dcfg(output_loss=ALL_ERBDF["output_loss"], cache_dir=str(tmp_path / "cache"))
    fewer = DistillTask(build_loss("mse"), fewer_cfg, student, teacher)
    assert fewer.training_step(student, batch)[1]["kd_output"] == ref_terms["kd_output"]
    assert fewer.cache.hits == 1 and fewer.cache.misses == 0
    other = DistillTask(
        build_loss("mse"),
        dcfg(output=1.0, cache_dir=str(tmp_path / "cache")),
        student,
        tiny("erbdf", hidden=24, bidirectional=True),
    )
    assert other.cache.dir != cached.cache.dir


def _error(tmp_path, distill: dict, model=None) -> str:
    cfg = {
        "model": model or {"arch": "erbdf", "options": build_model("erbdf").tiny_config()},
        "data": {"kind": "synthetic", "epoch_size": 16, "valid_size": 2},
        "train": {"out_dir": str(tmp_path / "run"), "tensorboard": False},
        "distill": distill,
    }
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(HushError) as info:
        Trainer(load_config(tmp_path / "cfg.yaml"), progress=False)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_config_errors_are_one_line(tmp_path):
    teacher = tmp_path / "t.pt"
    save(tiny("erbdf", bidirectional=True), teacher)
    t = str(teacher)
    assert "distill.features[0].wieght: unknown key" in _error(
        tmp_path, {"teacher": t, "features": [{"student": "trunk", "teacher": "trunk", "wieght": 1.0}]}
    )
    assert "distill.outptu: unknown key" in _error(tmp_path, {"teacher": t, "outptu": 1.0})
    msg = _error(tmp_path, {"teacher": t, "features": [{"student": "trunkk", "teacher": "trunk"}]})
    assert "distill.features[0].student: no layer 'trunkk' in erbdf; valid names include: trunk" in msg
    assert "distill.attention.layers[0].teacher: no layer 'gru'" in _error(
        tmp_path, {"teacher": t, "attention": {"weight": 1.0, "layers": [{"student": "trunk", "teacher": "gru"}]}}
    )
    assert "distill.features[0].loss: 'kl' is not mse, l1 or cosine" in _error(
        tmp_path, {"teacher": t, "features": [{"student": "trunk", "teacher": "trunk", "loss": "kl"}]}
    )
    assert "distill.output_loss: unknown loss 'nope'" in _error(tmp_path, {"teacher": t, "output_loss": "nope"})
    assert "distill.teacher: a teacher model file or method:<name> is required" in _error(tmp_path, {"output": 1.0})
    assert "model file not found" in _error(tmp_path, {"teacher": str(tmp_path / "missing.pt")})
    msg = _error(tmp_path, {"teacher": t, "mvat": {"weight": 1}})
    assert "distill.mvat: the student (erbdf) is not a manner" in msg
    assert "every distillation term has weight 0" in _error(tmp_path, {"teacher": t, "output": 0.0})
    mt = tmp_path / "m.pt"
    save(tiny("manner"), mt)
    assert "distill.mvat.blocks: 'enc7' is not a multi-view attention block of both models" in _error(
        tmp_path,
        {"teacher": str(mt), "mvat": {"weight": 1.0, "blocks": ["enc7"]}},
        {"arch": "rt-manner", "options": build_model("rt-manner").tiny_config()},
    )
    assert isinstance(from_dict(Config, {"distill": {"teacher": t}}).distill, DistillConfig)


def test_method_teacher_targets_the_methods_own_output(tmp_path):
    """``method:<name>``: the output term pulls the student towards what that method (here Wiener) outputs."""
    import numpy as np

    from hush.inference.arrays import enhance_array
    from hush.training.method_teacher import MethodTeacher

    torch.manual_seed(0)
    student = tiny("erbdf")
    spec = {"teacher": "method:wiener", "output": 1.0, "output_loss": {"mse": 1.0}}
    task = DistillTask(build_loss("mse"), dcfg(**spec, cache_dir=str(tmp_path / "cache")), student)
    assert isinstance(task.teacher, MethodTeacher) and task.teacher.sample_rate == 16000
    batch = batch_of(3, 8000)
    t = task.teacher_outputs(batch["noisy"])["enhanced"]
    for row, got in zip(batch["noisy"].numpy(), t.numpy(), strict=True):
        want = enhance_array(row, 16000, "wiener")
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert float((t - batch["noisy"]).abs().max()) > 1e-3  # the method really changed the input
    total, terms = task.training_step(student, batch)
    out = task.forward(student, batch)["enhanced"]
    assert terms["kd_output"] == pytest.approx(float(((out - t) ** 2).mean()), rel=1e-4)
    total.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())
    # the cache is keyed by the method's name (it has no weights) and serves the same targets
    again = DistillTask(build_loss("mse"), dcfg(**spec, cache_dir=str(tmp_path / "cache")), student)
    assert torch.equal(again.teacher_outputs(batch["noisy"])["enhanced"], t) and again.cache.hits == 1


def test_method_teacher_has_no_layers_to_distil(tmp_path):
    msg = _error(tmp_path, {"teacher": "method:wiener", "features": [{"student": "trunk", "teacher": "trunk"}]})
    assert "outputs only" in msg and "method:wiener" in msg
