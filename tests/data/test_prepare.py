"""Corpus preparation recipes, each on a tiny fake corpus laid out like the official distribution."""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hush.cli import data_cmd
from hush.data.manifest import read_manifest
from hush.data.prepare import get, names, parse_options, prepare_corpus, summarize
from hush.data.prepare.dns import noise_category
from hush.errors import HushError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"  # ../shared/data beside the checkout


def tone(path: Path, sr: int = 16000, seconds: float = 0.1, channels: int = 1, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = int(sr * seconds)
    x = 0.1 * np.random.RandomState(len(path.name)).randn(n, channels).astype(np.float32)
    sf.write(str(path), x if channels > 1 else x[:, 0], sr, subtype="PCM_16", **kw)
    return path


def ids_unique(records) -> bool:
    return len({r.id for r in records}) == len(records)


def by_kind_split(records) -> Counter:
    return Counter((r.kind, r.split) for r in records)


# ---------------------------------------------------------------------------------------------- VoiceBank-DEMAND


@pytest.fixture
def voicebank(tmp_path):
    root = tmp_path / "vb"
    sets = {
        "trainset_28spk": ["p226_001", "p226_002", "p227_001", "p227_002"],
        "trainset_56spk": ["p234_001", "p234_002"],
        "testset": ["p232_001", "p257_001"],
    }
    for name, utts in sets.items():
        for u in utts:
            tone(root / f"clean_{name}_wav" / f"{u}.wav", 48000)
            tone(root / f"noisy_{name}_wav" / f"{u}.wav", 48000)
        (root / f"{name}_txt").mkdir()
        for u in utts:
            (root / f"{name}_txt" / f"{u}.txt").write_text("Please call Stella.\n")
    (root / "logfiles").mkdir()
    (root / "logfiles" / "log_testset.txt").write_text("p232_001 living 17.5\np257_001 bus 2.5\n")
    (root / "log_trainset_28spk.txt").write_text("p226_001 babble 5\n")
    return root


def test_voicebank_both_training_sets_and_test(voicebank):
    recs = prepare_corpus("voicebank-demand", voicebank)
    assert by_kind_split(recs) == {("pair", "train"): 6, ("pair", "test"): 2}
    assert ids_unique(recs)
    assert {r.speaker for r in recs} == {"p226", "p227", "p234", "p232", "p257"}
    assert all(r.sample_rate == 48000 and r.license == "CC BY 4.0" for r in recs)
    r = next(r for r in recs if r.id == "noisy_testset_wav/p232_001")
    assert r.path.endswith("clean_testset_wav/p232_001.wav") and r.noisy_path.endswith("noisy_testset_wav/p232_001.wav")
    assert Path(r.path).is_absolute() and r.category == "living" and r.extra["snr_db"] == 17.5
    assert r.extra["text"] == "Please call Stella."
    r = next(r for r in recs if r.id == "noisy_trainset_28spk_wav/p226_001")
    assert r.category == "babble" and r.extra["snr_db"] == 5 and r.duration == pytest.approx(0.1)


def test_voicebank_speakers_option_and_split_filter(voicebank):
    recs = prepare_corpus("voicebank-demand", voicebank, speakers="28")
    assert {r.extra["subset"] for r in recs} == {"trainset_28spk", "testset"} and len(recs) == 6
    assert len(prepare_corpus("voicebank-demand", voicebank, split="test")) == 2
    shutil.rmtree(voicebank / "clean_trainset_56spk_wav")
    with pytest.raises(HushError, match="56-speaker"):
        prepare_corpus("voicebank-demand", voicebank, speakers="56")
    assert len(prepare_corpus("voicebank-demand", voicebank)) == 6  # auto: whatever is present


def test_voicebank_missing_noisy_file_is_skipped_and_missing_folder_refused(voicebank):
    (voicebank / "noisy_testset_wav" / "p257_001.wav").unlink()
    with pytest.warns(UserWarning, match="skipped 1 clean file without its noisy twin"):
        recs = prepare_corpus("voicebank-demand", voicebank)
    assert len(recs) == 7
    shutil.rmtree(voicebank / "noisy_testset_wav")
    with pytest.raises(HushError, match="no matching noisy_testset_wav"):
        prepare_corpus("voicebank-demand", voicebank)


def test_voicebank_bad_layout_message(tmp_path):
    tone(tmp_path / "some" / "file.wav")
    with pytest.raises(HushError) as e:
        prepare_corpus("voicebank-demand", tmp_path)
    msg = str(e.value)
    expected = f"{tmp_path} does not look like a VoiceBank-DEMAND layout (expected clean_trainset_28spk_wav/"
    assert msg.startswith(expected)
    assert "\n" not in msg


# ---------------------------------------------------------------------------------------------- DNS


def test_dns_layout(tmp_path):
    d = tmp_path / "DNS-Challenge" / "datasets"
    tone(d / "clean" / "book_00000_chp_0009_reader_06709_11.wav")
    tone(d / "clean" / "book_00002_chp_0005_reader_11980_5.wav")
    tone(d / "noise" / "--9VR_F7CtY.wav")
    tone(d / "noise" / "air_conditioner_151977_3.wav")
    tone(d / "noise" / "Door_Freesound_validated_380503_1.wav")
    for cond in ("no_reverb", "with_reverb"):
        s = d / "test_set" / "synthetic" / cond
        tone(s / "clean" / "clean_fileid_0.wav")
        tone(s / "clean" / "clean_fileid_12.wav")
        tone(s / "noisy" / "clnsp126_3Wjw0nadnM4_snr15_tl-22_fileid_0.wav")
        tone(s / "noisy" / "clnsp102_traffic_248091_3_snr0_tl-21_fileid_12.wav")
    tone(d / "test_set" / "real_recordings" / "ms_realrec_x.wav")  # no clean reference: ignored
    recs = prepare_corpus("dns", tmp_path / "DNS-Challenge")
    assert by_kind_split(recs) == {("speech", "train"): 2, ("noise", "train"): 3, ("pair", "test"): 4}
    assert ids_unique(recs)
    assert {r.speaker for r in recs if r.kind == "speech"} == {"reader_06709", "reader_11980"}
    assert {r.category for r in recs if r.kind == "noise"} == {None, "air_conditioner", "door"}
    pair = next(r for r in recs if r.id.endswith("with_reverb/noisy/clnsp102_traffic_248091_3_snr0_tl-21_fileid_12"))
    assert pair.path.endswith("with_reverb/clean/clean_fileid_12.wav")
    assert pair.extra["snr_db"] == 0 and pair.extra["target_level_db"] == -21 and pair.category == "traffic"
    assert pair.extra["condition"] == "with_reverb"
    other = next(r for r in recs if r.id.endswith("no_reverb/noisy/clnsp126_3Wjw0nadnM4_snr15_tl-22_fileid_0"))
    assert other.path.endswith("no_reverb/clean/clean_fileid_0.wav") and other.category is None
    assert len(prepare_corpus("dns", d, test=False)) == 5


@pytest.mark.parametrize(
    "stem,category",
    [
        ("G3hs6PFniM0", None),
        ("pa_kcBIPQJM", None),
        ("air_conditioner_151977_3", "air_conditioner"),
        ("clatter_noise_431472__debsound__retro", "clatter_noise"),
        ("uOZZEV1IcDI-copy_machine_426874_7", None),
        ("traffic_bus", "traffic_bus"),
    ],
)
def test_dns_noise_category_from_name(stem, category):
    assert noise_category(stem) == category


# ---------------------------------------------------------------------------------------------- NOIZEUS


@pytest.fixture
def noizeus(tmp_path):
    root = tmp_path / "noizeus"
    for i in (1, 2):
        tone(root / "clean" / f"sp{i:02d}.wav", 8000)
        tone(root / "babble" / "0dB" / f"sp{i:02d}_babble_sn0.wav", 8000)
    tone(root / "car" / "15dB" / "sp01_car_sn15.wav", 8000)
    return root


def test_noizeus_pairs(noizeus):
    recs = prepare_corpus("noizeus", noizeus)
    assert by_kind_split(recs) == {("pair", "test"): 3} and ids_unique(recs)
    car = next(r for r in recs if r.category == "car")
    assert car.id == "car/15dB/sp01_car_sn15" and car.extra["snr_db"] == 15 and car.sample_rate == 8000
    assert car.path.endswith("clean/sp01.wav")
    assert Counter(r.category for r in recs) == {"babble": 2, "car": 1}


def test_noizeus_refuses_16k_without_explicit_resample(noizeus):
    with pytest.raises(HushError) as e:
        prepare_corpus("noizeus", noizeus, target_sr=16000)
    assert str(e.value) == "NOIZEUS is 8 kHz; pass --resample 16000 to resample it explicitly"
    assert len(prepare_corpus("noizeus", noizeus, target_sr=8000)) == 3
    recs = prepare_corpus("noizeus", noizeus, target_sr=16000, resample=16000)
    assert {r.extra["resample_to"] for r in recs} == {16000} and {r.sample_rate for r in recs} == {8000}
    assert len(prepare_corpus("noizeus", noizeus, resample=16000)) == 3


# ---------------------------------------------------------------------------------------------- TIMIT


def test_timit_sphere_layout(tmp_path):
    root = tmp_path / "timit"
    train = root / "TIMIT" / "TRAIN" / "DR1" / "FCJF0"
    tone(train / "SA1.WAV", format="NIST")
    tone(train / "SX127.WAV", format="NIST")
    (train / "SX127.TXT").write_text("0 46797 She had your dark suit in greasy wash water all year.\n")
    tone(train / "SA1.WAV.wav")  # converted copy next to the SPHERE original: not counted twice
    tone(root / "TIMIT" / "test" / "dr2" / "mabc0" / "si1.wav", format="NIST")  # lower-case names
    assert sf.info(str(train / "SA1.WAV")).format == "NIST"
    recs = prepare_corpus("timit", root)
    assert by_kind_split(recs) == {("speech", "train"): 2, ("speech", "test"): 1} and ids_unique(recs)
    assert {r.speaker for r in recs} == {"FCJF0", "mabc0"}
    sx = next(r for r in recs if r.id == "TIMIT/TRAIN/DR1/FCJF0/SX127")
    assert sx.extra == {
        "dialect": "DR1",
        "sex": "F",
        "sentence": "SX127",
        "text": "She had your dark suit in greasy wash water all year.",
    }
    assert sx.sample_rate == 16000 and sx.duration == pytest.approx(0.1)
    assert len(prepare_corpus("timit", root, sa=False)) == 2


# ---------------------------------------------------------------------------------------------- LibriSpeech


def test_librispeech_layout(tmp_path):
    ls = tmp_path / "LibriSpeech"
    for subset, spk, chap, n in (("train-clean-100", "103", "1240", 2), ("dev-clean", "84", "121123", 1)):
        cdir = ls / subset / spk / chap
        for u in range(n):
            tone(cdir / f"{spk}-{chap}-{u:04d}.flac")
        (cdir / f"{spk}-{chap}.trans.txt").write_text("".join(f"{spk}-{chap}-{u:04d} CHAPTER ONE\n" for u in range(n)))
    (ls / "SPEAKERS.TXT").write_text("; ID | SEX | SUBSET | MINUTES | NAME\n103 | F | train-clean-100 | 25.00 | A\n")
    recs = prepare_corpus("librispeech", tmp_path)
    assert by_kind_split(recs) == {("speech", "train"): 2, ("speech", "dev"): 1} and ids_unique(recs)
    r = next(r for r in recs if r.id == "LibriSpeech/train-clean-100/103/1240/103-1240-0001")
    assert r.speaker == "103" and r.extra == {
        "subset": "train-clean-100",
        "chapter": "1240",
        "sex": "F",
        "text": "CHAPTER ONE",
    }
    assert len(prepare_corpus("librispeech", ls, split="dev-clean")) == 1
    assert len(prepare_corpus("librispeech", ls / "train-clean-100")) == 2
    assert len(prepare_corpus("librispeech", ls, subsets="dev-clean")) == 1
    with pytest.raises(HushError, match="no LibriSpeech subset 'test-other'"):
        prepare_corpus("librispeech", ls, subsets="test-other")


# ---------------------------------------------------------------------------------------------- MUSAN


def test_musan_layout(tmp_path):
    m = tmp_path / "musan"
    tone(m / "music" / "fma" / "music-fma-0000.wav")
    tone(m / "music" / "fma" / "music-fma-0001.wav")
    (m / "music" / "fma" / "ANNOTATIONS").write_text("music-fma-0000 pop,rock Y Someone\nmusic-fma-0001 folk N X\n")
    tone(m / "noise" / "free-sound" / "noise-free-sound-0000.wav")
    tone(m / "speech" / "librivox" / "speech-librivox-0000.wav")
    recs = prepare_corpus("musan", tmp_path)
    assert Counter(r.kind for r in recs) == {"noise": 3} and ids_unique(recs)
    assert Counter(r.category for r in recs) == {"music/fma": 2, "noise/free-sound": 1}
    sung = next(r for r in recs if r.id == "musan/music/fma/music-fma-0000")
    assert sung.extra == {"genres": ["pop", "rock"], "vocals": True}
    with_speech = prepare_corpus("musan", m, speech=True)
    assert Counter(r.kind for r in with_speech) == {"noise": 3, "speech": 1}
    assert len(prepare_corpus("musan", m, vocals=False)) == 2


# ---------------------------------------------------------------------------------------------- REVERB


def test_reverb_simdata_and_rirs(tmp_path):
    dt = tmp_path / "REVERB_WSJCAM0_dt" / "data"
    tail = Path("primary_microphone") / "si_dt" / "c31"
    for cond, utt in (("far_test", "c31c0204"), ("near_test", "c31c0205"), ("far_test", "c31c0206")):
        for ch in (1, 2):
            tone(dt / cond / tail / f"{utt}_ch{ch}.wav")
    tone(dt / "cln_test" / tail / "c31c0204.wav")
    tone(dt / "cln_test" / tail / "c31c0205.wav")  # c31c0206 has no clean reference
    tasks = tmp_path / "taskFiles" / "1ch"
    tasks.mkdir(parents=True)
    (tasks / "SimData_dt_for_1ch_far_room1_A").write_text("/far_test/primary_microphone/si_dt/c31/c31c0204_ch1.wav\n")
    tools = tmp_path / "reverb_tools_for_Generate_mcTrainData"
    tone(tools / "RIR" / "RIR_SmallRoom1_near_AnglA.wav", channels=8)
    tone(tools / "NOISE" / "Noise_SmallRoom1_1.wav", channels=8)
    with pytest.warns(UserWarning, match="1 reverberant file without a clean reference"):
        recs = prepare_corpus("reverb", tmp_path)
    assert by_kind_split(recs) == {("pair", "dev"): 2, ("rir", None): 1, ("noise", None): 1} and ids_unique(recs)
    far = next(r for r in recs if r.kind == "pair" and r.extra["distance"] == "far")
    assert far.path.endswith("cln_test/primary_microphone/si_dt/c31/c31c0204.wav")
    assert far.noisy_path.endswith("far_test/primary_microphone/si_dt/c31/c31c0204_ch1.wav")
    assert far.speaker == "c31" and far.extra["room"] == "room1" and far.extra["channel"] == 1
    rir = next(r for r in recs if r.kind == "rir")
    assert rir.channels == 8 and rir.category == "SmallRoom1"
    with pytest.warns(UserWarning):
        ch2 = prepare_corpus("reverb", tmp_path, channel=2)
    assert {Path(r.noisy_path).stem for r in ch2 if r.kind == "pair"} == {"c31c0204_ch2", "c31c0205_ch2"}


# ---------------------------------------------------------------------------------------------- folders


def test_folder_recipes(tmp_path):
    tone(tmp_path / "speech" / "alice" / "a1.wav")
    tone(tmp_path / "speech" / "bob" / "deep" / "b1.flac")
    tone(tmp_path / "speech" / "top.wav")
    (tmp_path / "speech" / "notes.txt").write_text("not audio")
    speech = prepare_corpus("folder-clean", tmp_path / "speech")
    assert Counter(r.kind for r in speech) == {"speech": 3} and ids_unique(speech)
    assert {r.id: r.speaker for r in speech} == {"alice/a1": "alice", "bob/deep/b1": "deep", "top": None}
    noise = prepare_corpus("folder-noise", tmp_path / "speech")
    assert {r.category for r in noise} == {"alice", "deep", None} and {r.kind for r in noise} == {"noise"}

    p = tmp_path / "paired"
    for name in ("x", "spk/y"):
        tone(p / "clean" / f"{name}.wav")
        tone(p / "noisy" / f"{name}.wav")
    tone(p / "clean" / "lonely.wav")
    with pytest.warns(UserWarning, match="clean file without a noisy twin"):
        pairs = prepare_corpus("folder-paired", p)
    assert {r.id for r in pairs} == {"noisy/x", "noisy/spk/y"} and {r.kind for r in pairs} == {"pair"}
    assert next(r for r in pairs if r.id == "noisy/spk/y").speaker == "spk"
    with pytest.raises(HushError, match="does not look like a paired folder layout"):
        prepare_corpus("folder-paired", tmp_path / "speech")


# ---------------------------------------------------------------------------------------------- shared


@pytest.mark.skipif(not (SHARED / "lists" / "train_speech.csv").is_file(), reason="shared data not present")
def test_shared_matches_its_lists():
    def rows(name):
        with open(SHARED / name, newline="") as fh:
            return list(csv.DictReader(fh))

    speech, noise, dev = rows("lists/train_speech.csv"), rows("lists/train_noise.csv"), rows("dev/meta.csv")
    recs = prepare_corpus("shared", SHARED)
    assert by_kind_split(recs) == {
        ("speech", "train"): len(speech),
        ("noise", "train"): len(noise),
        ("pair", "dev"): len(dev),
    }
    assert ids_unique(recs)
    assert all(r.sample_rate == 16000 and r.license for r in recs if r.kind != "pair")
    first = next(r for r in recs if r.kind == "speech")
    assert first.speaker == speech[0]["speaker"] and first.duration == float(speech[0]["duration_s"])
    assert Path(first.path) == SHARED / speech[0]["path"]
    assert {r.category for r in recs if r.kind == "noise"} == {row["category"] for row in noise}
    pair = next(r for r in recs if r.kind == "pair")
    assert pair.id == "dev/noisy/" + Path(dev[0]["file"]).stem and pair.extra["snr_db"] == float(dev[0]["snr_db"])
    assert pair.speaker == dev[0]["speaker"] and pair.duration > 0


# ---------------------------------------------------------------------------------------------- driver and CLI


@pytest.mark.parametrize("name", names())
def test_every_recipe_refuses_an_empty_folder_in_one_line(name, tmp_path):
    with pytest.raises(HushError) as e:
        prepare_corpus(name, tmp_path)
    assert str(e.value) and "\n" not in str(e.value)


def test_missing_root_and_unknown_names(tmp_path):
    with pytest.raises(HushError, match="no such directory"):
        prepare_corpus("musan", tmp_path / "nope")
    with pytest.raises(HushError, match="unknown corpus 'nope'"):
        prepare_corpus("nope", tmp_path)
    with pytest.raises(HushError, match="has no option 'colour'"):
        prepare_corpus("musan", tmp_path, colour=1)


def test_parse_options_converts_by_default_type():
    assert parse_options(get("reverb"), ["channel=3", "wsjcam0=/x"]) == {"channel": 3, "wsjcam0": "/x"}
    assert parse_options(get("musan"), ["speech=yes", "vocals=false"]) == {"speech": True, "vocals": False}
    with pytest.raises(HushError, match="expected an integer"):
        parse_options(get("reverb"), ["channel=two"])
    with pytest.raises(HushError, match="KEY=VALUE"):
        parse_options(get("musan"), ["speech"])


def _cli(*argv):
    parser = argparse.ArgumentParser(prog="hush")
    data_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_cli_prepare_writes_manifest_and_summary(tmp_path, capsys):
    for name in ("a", "b"):
        tone(tmp_path / "c" / "clean" / f"{name}.wav")
        tone(tmp_path / "c" / "noisy" / f"{name}.wav")
    out = tmp_path / "m" / "pairs.jsonl"
    assert _cli("data", "prepare", "folder-paired", str(tmp_path / "c"), "-o", str(out), "--resample", "8000") == 0
    recs = read_manifest(out)
    assert len(recs) == 2 and {r.extra["resample_to"] for r in recs} == {8000}
    line = capsys.readouterr().out.strip()
    assert line == f"folder-paired: wrote {out}: {summarize(recs)}" and "2 records (pair 2)" in line
    assert json.loads(out.read_text().splitlines()[0])["kind"] == "pair"


def test_cli_corpora_lists_every_recipe(capsys):
    assert _cli("data", "corpora") == 0
    text = capsys.readouterr().out
    for name in (
        "voicebank-demand",
        "dns",
        "noizeus",
        "timit",
        "librispeech",
        "musan",
        "reverb",
        "folder-clean",
        "folder-noise",
        "folder-paired",
        "shared",
    ):
        assert any(line.startswith(name + " ") for line in text.splitlines())


def test_manifest_paths_are_relative_to_the_manifest(tmp_path):
    from hush.data.manifest import Record, read_manifest, write_manifest

    corpus = tmp_path / "a" / "corpus"
    corpus.mkdir(parents=True)
    rec = Record(
        id="x",
        path=str(corpus / "x.wav"),
        kind="pair",
        corpus="c",
        duration=1.0,
        sample_rate=16000,
        noisy_path=str(corpus / "x_noisy.wav"),
    )
    write_manifest([rec], tmp_path / "a" / "m.jsonl")
    stored = json.loads((tmp_path / "a" / "m.jsonl").read_text())
    assert stored["path"] == "corpus/x.wav" and stored["noisy_path"] == "corpus/x_noisy.wav"
    assert read_manifest(tmp_path / "a" / "m.jsonl")[0].path == str(corpus / "x.wav")
    shutil.move(tmp_path / "a", tmp_path / "b")  # manifest and corpus move together
    assert read_manifest(tmp_path / "b" / "m.jsonl")[0].noisy_path == str(tmp_path / "b" / "corpus" / "x_noisy.wav")
