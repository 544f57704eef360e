import csv
import os
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
import yaml

from hush.cli import main
from hush.errors import HushError
from hush.models import load
from hush.training import load_config
from hush.training.config import Config, from_dict
from hush.training.distributed import DistInfo
from hush.training.trainer import Trainer
from tests.helpers.pickles import RunsCode


def tiny_config(out_dir, **train) -> dict:
    return {
        "model": {"arch": "gru", "options": {"hidden": 32, "layers": 1, "n_fft": 256, "hop": 128}},
        "data": {"kind": "synthetic", "epoch_size": 48, "valid_size": 8, "mix": {"segment_seconds": 0.5}},
        "loss": {"mse": 1.0, "mr-stft": 0.1},
        "optim": {"lr": 3e-3, "warmup_steps": 2, "schedule": "cosine"},
        "train": {
            "batch_size": 8,
            "max_steps": 12,
            "valid_every": 6,
            "log_every": 1,
            "out_dir": str(out_dir),
            "tensorboard": False,
            "seed": 3,
            **train,
        },
    }


def write_cfg(tmp_path, cfg) -> str:
    p = tmp_path / "cfg.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return str(p)


def read_csv(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_config_errors_name_the_bad_key(tmp_path):
    cfg = tiny_config(tmp_path)
    cfg["optim"]["lrr"] = 1
    with pytest.raises(HushError, match=r"^config error: optim.lrr: unknown key"):
        load_config(write_cfg(tmp_path, cfg))
    cfg = tiny_config(tmp_path)
    cfg["train"]["batch_size"] = "big"
    with pytest.raises(HushError, match=r"train.batch_size: expected int"):
        load_config(write_cfg(tmp_path, cfg))
    (tmp_path / "bad.yaml").write_text("model: [unclosed\n")
    with pytest.raises(HushError, match="invalid YAML at line"):
        load_config(tmp_path / "bad.yaml")
    assert isinstance(from_dict(Config, tiny_config(tmp_path)), Config)


def test_augmentation_lists_load_from_yaml(tmp_path):
    """``data.mix.augmentations`` / ``noise_augmentations`` are lists of plain mappings (a bare ``dict`` type)."""
    cfg = tiny_config(tmp_path)
    cfg["data"].setdefault("mix", {})["noise_augmentations"] = [{"name": "eq", "p": 0.5, "gain_db": [-12.0, 12.0]}]
    cfg["data"]["mix"]["augmentations"] = [{"name": "gain", "min_db": -3, "max_db": 3}]
    loaded = load_config(write_cfg(tmp_path, cfg))
    assert loaded.data.mix.noise_augmentations == [{"name": "eq", "p": 0.5, "gain_db": [-12.0, 12.0]}]
    cfg["data"]["mix"]["augmentations"] = ["gain"]
    with pytest.raises(HushError, match=r"data.mix.augmentations\[0\]: expected a mapping"):
        load_config(write_cfg(tmp_path, cfg))


@pytest.mark.slow
def test_short_run_lowers_validation_loss_and_model_file_enhances(tmp_path):
    cfg = tiny_config(tmp_path / "run", max_steps=30, valid_every=10)
    rc = main(["train", write_cfg(tmp_path, cfg), "-q"])
    assert rc == 0
    valid = read_csv(tmp_path / "run" / "valid.csv")
    assert float(valid[-1]["loss"]) < float(valid[0]["loss"])
    import json

    noisy = json.loads((tmp_path / "run" / "valid_noisy.json").read_text())
    assert float(valid[-1]["si_sdr"]) > noisy["si_sdr"]  # the trained model beats its unprocessed input
    model = load(tmp_path / "run" / "best.pt")
    assert model.metrics and "si_sdr" in model.metrics
    import soundfile as sf

    from tests.helpers.signals import speech_like

    sf.write(tmp_path / "x.wav", speech_like(seconds=1.0), 16000)
    assert (
        main(
            [
                "enhance",
                str(tmp_path / "x.wav"),
                "-o",
                str(tmp_path / "o"),
                "-m",
                str(tmp_path / "run" / "best.pt"),
                "-q",
            ]
        )
        == 0
    )
    assert (tmp_path / "o" / "x.wav").exists()


def test_refuses_to_clobber_a_run(tmp_path, capsys):
    cfg = write_cfg(tmp_path, tiny_config(tmp_path / "run", max_steps=2, valid_every=2))
    assert main(["train", cfg, "-q"]) == 0
    assert main(["train", cfg, "-q"]) == 1
    assert "--resume" in capsys.readouterr().err


def test_stop_at_ends_early_on_the_full_schedule_and_resume_goes_on(tmp_path):
    """``--stop-at`` stops as a run stopped by hand would: same learning rates as the full run up to there, and a
    later ``--resume`` without it continues to ``train.max_steps``."""
    full = write_cfg(tmp_path, tiny_config(tmp_path / "full", max_steps=6, valid_every=3))
    assert main(["train", full, "-q"]) == 0
    (tmp_path / "cfg.yaml").unlink()
    part = write_cfg(tmp_path, tiny_config(tmp_path / "part", max_steps=6, valid_every=3))
    assert main(["train", part, "-q", "--stop-at", "3"]) == 0
    rows = read_csv(tmp_path / "part" / "train.csv")
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    assert (tmp_path / "part" / "summary.json").exists()
    lr_full = [float(r["lr"]) for r in read_csv(tmp_path / "full" / "train.csv")]
    assert [float(r["lr"]) for r in rows] == lr_full[:3]
    assert main(["train", part, "-q", "--resume"]) == 0
    assert [int(r["step"]) for r in read_csv(tmp_path / "part" / "train.csv")] == list(range(1, 7))


@pytest.mark.slow
def test_interrupted_and_resumed_run_reproduces_losses(tmp_path):
    full = Trainer(from_dict(Config, tiny_config(tmp_path / "a")), progress=False)
    full.fit()
    part = Trainer(from_dict(Config, tiny_config(tmp_path / "b", checkpoint_every=7)), progress=False)
    save_checkpoint = part._save_checkpoint

    def killed_after_step_7(trainer: Trainer = part) -> None:  # mid-epoch (6 batches per epoch), after a validation
        save_checkpoint()
        if trainer.state.step == 7:
            raise KeyboardInterrupt

    part._save_checkpoint = killed_after_step_7
    with pytest.raises(KeyboardInterrupt):
        part.fit()
    del part
    resumed = Trainer(from_dict(Config, tiny_config(tmp_path / "b", checkpoint_every=7)), resume=True, progress=False)
    resumed.fit()
    a = [float(r["loss"]) for r in read_csv(tmp_path / "a" / "train.csv")]
    b = [float(r["loss"]) for r in read_csv(tmp_path / "b" / "train.csv")]
    assert len(a) == len(b) == 12
    np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    sa, sb = load(tmp_path / "a" / "last.pt").state_dict(), load(tmp_path / "b" / "last.pt").state_dict()
    for k in sa:
        torch.testing.assert_close(sa[k], sb[k], rtol=1e-5, atol=1e-6)


def _ddp_worker(rank, world, port, cfg):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world))
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world)
    try:
        Trainer(from_dict(Config, cfg), dist=DistInfo(rank, world, rank), progress=False).fit()
    finally:
        torch.distributed.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ddp_two_ranks_match_one_process(tmp_path):
    # Smooth losses only: an L1 term (as in mr-stft) flips sign on float-rounding differences, and Adam turns
    # those into lr-sized steps; that is sensitivity of the loss, not a difference between DDP and one process.
    steps = {"max_steps": 3, "valid_every": 100}
    single = tiny_config(tmp_path / "single", **steps)
    single["loss"] = {"mse": 1.0, "si-snr": 0.01}
    Trainer(from_dict(Config, single), progress=False).fit()
    ddp = tiny_config(tmp_path / "ddp", **steps)
    ddp["loss"] = single["loss"]
    mp.spawn(_ddp_worker, args=(2, _free_port(), ddp), nprocs=2, join=True)
    s1, s2 = load(tmp_path / "single" / "last.pt").state_dict(), load(tmp_path / "ddp" / "last.pt").state_dict()
    for k in s1:
        assert torch.max(torch.abs(s1[k] - s2[k])) <= 1e-5, k
    l1 = [float(r["loss"]) for r in read_csv(tmp_path / "single" / "train.csv")]
    l2 = [float(r["loss"]) for r in read_csv(tmp_path / "ddp" / "train.csv")]
    assert len(l1) == len(l2) == 3


@pytest.fixture
def corpus_manifests(tmp_path):
    """Speech of 4 speakers and 3 noise files on disk, prepared into manifests with the folder recipes."""
    import soundfile as sf

    from hush.data.manifest import write_manifest
    from hush.data.prepare import prepare_corpus
    from tests.helpers.signals import speech_like

    rng = np.random.RandomState(0)
    for spk in range(4):
        for utt in range(3):
            p = tmp_path / "speech" / f"spk{spk}" / f"u{utt}.flac"
            p.parent.mkdir(parents=True, exist_ok=True)
            sf.write(p, speech_like(seconds=1.2, seed=10 * spk + utt), 16000)
    for i in range(3):
        p = tmp_path / "noise" / "white" / f"n{i}.wav"
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(p, 0.05 * rng.randn(32000), 16000)
    write_manifest(prepare_corpus("folder-clean", tmp_path / "speech"), tmp_path / "speech.jsonl")
    write_manifest(prepare_corpus("folder-noise", tmp_path / "noise"), tmp_path / "noise.jsonl")
    return tmp_path


def _manifest_data(tmp, epoch_size: int, valid_size: int, mix: dict) -> dict:
    """``data`` section of a config that mixes the ``corpus_manifests`` speech and noise, one speaker held back."""
    return {
        "kind": "manifests",
        "speech": [str(tmp / "speech.jsonl")],
        "noise": [str(tmp / "noise.jsonl")],
        "epoch_size": epoch_size,
        "valid_size": valid_size,
        "valid_speakers": 1,
        "valid_noise_fraction": 0.34,
        "mix": mix,
    }


def test_manifest_training_holds_out_speakers_and_learns(corpus_manifests):
    from hush.training.manifest_data import hold_out

    tmp = corpus_manifests
    cfg = tiny_config(tmp / "run", max_steps=16, valid_every=8)
    cfg["data"] = _manifest_data(tmp, 32, 6, {"segment_seconds": 0.5, "snr_range": [0.0, 10.0]})
    trainer = Trainer(from_dict(Config, cfg), progress=False)
    speakers = {trainer.train_ds.speech[i].speaker for i in range(len(trainer.train_ds.speech))}
    assert len(speakers) == 3  # one of four speakers is held back for validation
    from hush.data.manifest import read_manifest

    tr_s, va_s, tr_n, va_n = hold_out(
        read_manifest(tmp / "speech.jsonl"), read_manifest(tmp / "noise.jsonl"), 1, 0.34, 1234
    )
    assert not {r.speaker for r in tr_s} & {r.speaker for r in va_s}
    assert not {r.path for r in tr_n} & {r.path for r in va_n}
    trainer.fit()
    valid = read_csv(tmp / "run" / "valid.csv")
    assert float(valid[-1]["loss"]) < float(valid[0]["loss"])


def test_frozen_validation_set_keeps_validation_when_training_mix_changes(corpus_manifests):
    """A FixedSet written from a config's validation mixer, used through ``data.valid_dir`` by a config with another
    training SNR range, validates on the same mixtures (to the 16-bit grid) as the original config."""
    from hush.data.mixing.mixtures import FixedSet
    from hush.training.manifest_data import build_manifest_datasets, manifest_mixers

    tmp = corpus_manifests
    data = _manifest_data(tmp, 8, 4, {"segment_seconds": 0.5, "snr_range": [0.0, 10.0]})
    base = from_dict(Config, {**tiny_config(tmp / "a"), "data": data})
    _, simulated = build_manifest_datasets(base)
    _, mixer = manifest_mixers(base)
    FixedSet.create(mixer, 4, tmp / "valid")
    harder = {**data, "valid_dir": str(tmp / "valid"), "mix": {"segment_seconds": 0.5, "snr_range": [-10.0, -5.0]}}
    train, frozen = build_manifest_datasets(from_dict(Config, {**tiny_config(tmp / "b"), "data": harder}))
    assert len(frozen) == len(simulated) == 4
    for a, b in zip(simulated, frozen, strict=True):
        for key in ("clean", "noisy"):
            np.testing.assert_allclose(np.asarray(b[key]), np.asarray(a[key]), atol=2 / 32768)
        assert float(a["snr_db"]) == pytest.approx(float(b["snr_db"]), abs=0.05)
    assert max(float(train[i]["snr_db"]) for i in range(4)) < -4.0  # the training mixer did change


def test_frozen_validation_sources_are_never_trained_on(corpus_manifests):
    """A filtered speech manifest changes which speakers hold_out picks; the frozen set's speakers and noise files
    must still be kept out of training."""
    import json

    from hush.data.manifest import read_manifest
    from hush.data.mixing.mixtures import FixedSet
    from hush.training.manifest_data import hold_out, manifest_mixers

    tmp = corpus_manifests
    data = _manifest_data(tmp, 8, 4, {"segment_seconds": 0.5})
    _, mixer = manifest_mixers(from_dict(Config, {**tiny_config(tmp / "a"), "data": data}))
    fixed = FixedSet.create(mixer, 4, tmp / "valid")
    held = fixed.speakers()
    assert len(held) == 1 and fixed.source_files("noise_files")
    # a filtered speech manifest (one training speaker fewer) and another validation seed: hold_out then holds out
    # another speaker than the one the frozen set was simulated from
    lines = (tmp / "speech.jsonl").read_text().splitlines()
    dropped = sorted({json.loads(x)["speaker"] for x in lines} - held)[0]
    (tmp / "filtered.jsonl").write_text("\n".join(ln for ln in lines if json.loads(ln)["speaker"] != dropped) + "\n")
    speech = [r for r in read_manifest(tmp / "filtered.jsonl") if r.kind == "speech"]
    noise = [r for r in read_manifest(tmp / "noise.jsonl") if r.kind == "noise"]
    seed = next(s for s in range(100) if {r.speaker for r in hold_out(speech, noise, 1, 0.34, s)[0]} & held)
    plain_tr_s = hold_out(speech, noise, 1, 0.34, seed)[0]
    filtered = {**data, "speech": [str(tmp / "filtered.jsonl")], "valid_dir": str(tmp / "valid"), "valid_seed": seed}
    cfg = from_dict(Config, {**tiny_config(tmp / "b"), "data": filtered})
    assert {r.speaker for r in plain_tr_s} & held  # the leak this guards against
    train, _ = manifest_mixers(cfg)
    assert not {r.speaker for r in train.speech} & held
    assert not {os.path.abspath(r.path) for r in train.noise} & fixed.source_files("noise_files")
    assert train.speech and train.noise


def test_early_stopping_and_tensorboard(tmp_path):
    cfg = tiny_config(tmp_path / "run", max_steps=40, valid_every=4, early_stop_patience=2, tensorboard=True)
    cfg["optim"]["lr"] = 1e-12  # nothing improves after the first validation
    trainer = Trainer(from_dict(Config, cfg), progress=False)
    trainer.fit()
    valid = read_csv(tmp_path / "run" / "valid.csv")
    assert [int(r["step"]) for r in valid] == [4, 8, 12]  # best at 4, then two validations without improvement
    assert trainer.state.step == 12
    pytest.importorskip("tensorboard")
    assert list((tmp_path / "run" / "tb").glob("events.out.tfevents.*"))


def test_validation_metrics_and_summed_selection(tmp_path):
    from hush.training.validation import score_for_selection

    cfg = tiny_config(
        tmp_path / "run", max_steps=4, valid_every=4, valid_metrics=["si_sdr", "snr"], select_metric="si_sdr+snr"
    )
    Trainer(from_dict(Config, cfg), progress=False).fit()
    row = read_csv(tmp_path / "run" / "valid.csv")[0]
    assert {"si_sdr", "snr"} <= set(row) and "pesq_wb" not in row
    assert score_for_selection({"loss": 1.0, "a": 1.5, "b": 2.0}, "a+b") == 3.5
    bad = tiny_config(tmp_path / "run2", valid_metrics=["si_sdr"], select_metric="si_sdr+pesq_wb")
    with pytest.raises(HushError, match="select_metric: pesq_wb is not in train.valid_metrics"):
        load_config(write_cfg(tmp_path, bad))
    bad = tiny_config(tmp_path / "run3", valid_metrics=["pesq"])
    with pytest.raises(HushError, match="valid_metrics: unknown metric"):
        load_config(write_cfg(tmp_path, bad))


def test_warm_start_loads_weights_but_not_the_schedule(tmp_path):
    first = tiny_config(tmp_path / "a", max_steps=4, valid_every=4)
    Trainer(from_dict(Config, first), progress=False).fit()
    second = tiny_config(tmp_path / "b", max_steps=4, valid_every=4, init_from=str(tmp_path / "a" / "best.pt"))
    trainer = Trainer(from_dict(Config, second), progress=False)
    ref = load(tmp_path / "a" / "best.pt")
    for k, v in ref.state_dict().items():
        assert torch.equal(trainer.model.state_dict()[k], v)
    assert trainer.state.step == 0
    bad = tiny_config(tmp_path / "c", init_from=str(tmp_path / "missing.pt"))
    with pytest.raises(FileNotFoundError, match="init_from"):
        Trainer(from_dict(Config, bad), progress=False)


def test_warm_start_can_grow_a_model(tmp_path):
    """init_missing_ok: new tensors keep their initialisation; tensors the model lacks are still an error."""
    erbdf = {"arch": "erbdf", "options": {"n_fft": 128, "hop": 64, "erb_bands": 8, "df_bins": 16, "hidden": 16}}
    first = {**tiny_config(tmp_path / "a", max_steps=2, valid_every=2), "model": erbdf}
    Trainer(from_dict(Config, first), progress=False).fit()
    grown_model = {**erbdf, "options": {**erbdf["options"], "spec_conv": 4}}
    src = str(tmp_path / "a" / "best.pt")
    strict = {**tiny_config(tmp_path / "b", init_from=src), "model": grown_model}
    with pytest.raises(ValueError, match="do not fit"):
        Trainer(from_dict(Config, strict), progress=False)
    grown = {**tiny_config(tmp_path / "c", init_from=src, init_missing_ok=True), "model": grown_model}
    trainer = Trainer(from_dict(Config, grown), progress=False)
    ref = load(src).state_dict()
    state = trainer.model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in ref.items())
    assert not state["spec_proj.weight"].any()
    shrink = {**tiny_config(tmp_path / "d", init_from=str(tmp_path / "c" / "x.pt"), init_missing_ok=True)}
    torch.save({"model": {**state}}, tmp_path / "c" / "x.pt")
    shrink["model"] = erbdf
    with pytest.raises(ValueError, match="does not have: spec_"):
        Trainer(from_dict(Config, shrink), progress=False)


def test_checkpoints_are_plain_data_and_code_in_a_checkpoint_never_runs(tmp_path):
    cfg = tiny_config(tmp_path / "run", max_steps=4, valid_every=4)
    Trainer(from_dict(Config, cfg), progress=False).fit()
    doc = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)  # tensors and plain containers only
    assert doc["progress"]["step"] == 4
    evil, marker = tmp_path / "evil.pt", tmp_path / "marker"
    torch.save({"model": RunsCode(marker)}, evil)
    warm = tiny_config(tmp_path / "warm", max_steps=2, valid_every=2, init_from=str(evil))
    with pytest.raises(ValueError, match="evil.pt: not a loadable"):
        Trainer(from_dict(Config, warm), progress=False)
    (tmp_path / "run" / "checkpoint.pt").write_bytes(evil.read_bytes())
    with pytest.raises(ValueError, match="checkpoint.pt: not a loadable training checkpoint"):
        Trainer(from_dict(Config, cfg), resume=True, progress=False)
    assert not marker.exists()


def test_no_pickle_loading_in_the_package():
    from pathlib import Path

    import hush

    files = Path(hush.__file__).parent.rglob("*.py")
    offenders = [str(p) for p in files if "weights_only=False" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_checkpoint_every_saves_between_validations(tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr(Trainer, "_save_checkpoint", lambda self: saved.append(self.state.step))
    cfg = tiny_config(tmp_path / "run", max_steps=6, valid_every=3, checkpoint_every=2, keep_validated=True)
    Trainer(from_dict(Config, cfg), progress=False).fit()
    assert saved == [2, 3, 4, 6]
    kept = sorted(p.name for p in (tmp_path / "run" / "validated").iterdir())
    assert kept == ["step000003.pt", "step000006.pt"]
    assert load(tmp_path / "run" / "validated" / "step000006.pt").state_dict().keys()


def test_hold_out_by_noise_source_and_speaker_lists(tmp_path):
    from hush.data.manifest import Record
    from hush.training.manifest_data import hold_out, noise_source, speaker_ids

    def rec(path, kind, speaker=None):
        return Record(id=path, path=path, kind=kind, corpus="t", duration=1.0, sample_rate=16000, speaker=speaker)

    noise = [rec(f"n/dog/{fs}-3-0-{k}.ogg", "noise") for fs in (100, 101, 102, 103) for k in range(3)]
    noise += [rec(f"n/game/Mine{k}.ogg", "noise") for k in (1, 2, 3)] + [rec("n/game/rain.ogg", "noise")]
    assert noise_source(noise[0]) == "us8k:100" and noise_source(noise[-2]) == "game/Mine"
    speech = [rec(f"s/{spk}/{u}.ogg", "speech", spk) for spk in ("a", "b", "c", "d") for u in range(2)]
    lst = tmp_path / "valid.txt"
    lst.write_text("# validation voices\nb\n\nc  # a comment\n")
    ids = speaker_ids([f"@{lst}"])
    assert ids == {"b", "c"}
    for seed in range(5):
        tr_s, va_s, tr_n, va_n = hold_out(speech, noise, 0, 0.34, seed, valid_ids=ids, noise_by="source")
        assert {r.speaker for r in va_s} == {"b", "c"} and {r.speaker for r in tr_s} == {"a", "d"}
        assert va_n and not {noise_source(r) for r in tr_n} & {noise_source(r) for r in va_n}
        assert len(tr_n) + len(va_n) == len(noise)
    with pytest.raises(HushError, match="not in the speech manifests: zz"):
        hold_out(speech, noise, 0, 0.3, 0, valid_ids={"zz"})
    with pytest.raises(HushError, match="speaker list not found"):
        speaker_ids(["@" + str(tmp_path / "missing.txt")])


def test_excluded_speakers_never_train_or_validate(corpus_manifests):
    from hush.training.manifest_data import manifest_mixers

    tmp = corpus_manifests
    cfg = tiny_config(tmp / "run")
    cfg["data"] = _manifest_data(tmp, 8, 2, {"segment_seconds": 0.5})
    cfg["data"].update(valid_speakers=0, valid_speaker_ids=["spk1"], exclude_speakers=["spk3"])
    train, valid = manifest_mixers(from_dict(Config, cfg))
    assert {r.speaker for r in train.speech} == {"spk0", "spk2"}
    assert {r.speaker for r in valid.speech} == {"spk1"}
    cfg["data"]["valid_noise_by"] = "source"  # the three noise files are cut from one recording
    with pytest.raises(HushError, match="leaves no training noise"):
        manifest_mixers(from_dict(Config, cfg))


def test_training_on_fixed_pairs_holds_out_speakers_and_learns(tmp_path):
    """``data.kind: pairs`` crops clean/noisy pair records (VoiceBank-DEMAND style), whole speakers held back."""
    import soundfile as sf

    from hush.data.manifest import Record, write_manifest
    from tests.helpers.signals import speech_like

    rng = np.random.default_rng(0)
    records = []
    for spk in range(4):
        for utt in range(3):
            clean = speech_like(seconds=1.0 + 0.3 * utt, seed=10 * spk + utt)
            noisy = clean + 0.05 * rng.standard_normal(len(clean)).astype(np.float32)
            paths = [tmp_path / kind / f"p{spk}_{utt}.wav" for kind in ("clean", "noisy")]
            for p, x in zip(paths, (clean, noisy), strict=True):
                p.parent.mkdir(exist_ok=True)
                sf.write(p, x, 16000)
            records.append(
                Record(
                    id=f"p{spk}_{utt}",
                    path=str(paths[0]),
                    noisy_path=str(paths[1]),
                    kind="pair",
                    corpus="t",
                    duration=len(clean) / 16000,
                    sample_rate=16000,
                    speaker=f"p{spk}",
                    split="train",
                )
            )
    write_manifest(records, tmp_path / "pairs.jsonl")
    cfg = tiny_config(tmp_path / "run", max_steps=16, valid_every=8)
    cfg["data"] = {
        "kind": "pairs",
        "speech": [str(tmp_path / "pairs.jsonl")],
        "epoch_size": 32,
        "valid_size": 6,
        "valid_speakers": 1,
        "mix": {"segment_seconds": 1.2},
    }
    trainer = Trainer(from_dict(Config, cfg), progress=False)
    item = trainer.train_ds[0]
    assert item["noisy"].shape == (19200,) and torch.allclose(item["noisy"], item["clean"] + item["noise"], atol=1e-6)
    assert 0 < float(item["mask"].mean()) <= 1 and abs(float(item["snr_db"]) - 20 * np.log10(0.1 / 0.05)) < 10
    assert len({r.speaker for r in trainer.train_ds.pairs}) == 3
    trainer.fit()
    valid = read_csv(tmp_path / "run" / "valid.csv")
    assert float(valid[-1]["loss"]) < float(valid[0]["loss"])
