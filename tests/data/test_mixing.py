"""On-the-fly mixing, augmentations and RIR bank, on generated audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from hush.data.mixing.audio_cache import AudioReader
from hush.data.mixing.augment import AUGMENTATIONS, build_augmentations, register
from hush.data.mixing.mixtures import FixedSet, MixConfig, MixingDataset, collate
from hush.data.mixing.rir import RIRBank, RIRConfig, direct_path_index, reverberate
from hush.errors import HushError
from tests.helpers.corpus import make_corpus
from tests.helpers.signals import SR, harmonic, pink


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def speech_of(corpus, *names):
    return [corpus[n] for n in names]


VOICED = ("a.wav", "b.wav", "c.flac", "short1.wav", "short2.wav")
NOISES = ("w.wav", "p.flac", "q.ogg")


def make_ds(corpus, speech=VOICED + ("silent.wav",), noise=NOISES, **kw) -> MixingDataset:
    cfg = dict(segment_seconds=1.0, epoch_size=8, seed=3)
    cfg.update(kw)
    return MixingDataset(speech_of(corpus, *speech), speech_of(corpus, *noise), MixConfig(**cfg))


def snr(clean, noise) -> float:
    c, n = np.asarray(clean, np.float64), np.asarray(noise, np.float64)
    return 10 * np.log10(np.sum(c**2) / np.sum(n**2))


# -- mixing ---------------------------------------------------------------------------------------------------


def test_item_snr_sum_level(corpus):
    ds = make_ds(corpus, n_noises=(1, 3))
    for i in range(len(ds)):
        it = ds[i]
        assert set(it) >= {"noisy", "clean", "noise", "mask", "snr_db", "gain_db", "speaker"}
        assert all(it[k].dtype == torch.float32 and it[k].shape == (SR,) for k in ("noisy", "clean", "noise", "mask"))
        assert abs(snr(it["clean"], it["noise"]) - float(it["snr_db"])) < 0.01
        assert -5 <= float(it["snr_db"]) <= 20
        np.testing.assert_allclose(it["noisy"], it["clean"] + it["noise"], atol=1e-6)
        rms_db = 20 * np.log10(float(it["noisy"].pow(2).mean().sqrt()))
        assert -35.01 <= rms_db <= -14.99
        assert 1 <= len(it["noise_files"].split(";")) <= 3
        assert it["rir"] == ""


def test_reproducible_per_seed_epoch_rank_index(corpus):
    ds = make_ds(corpus)
    a, b = ds[2], make_ds(corpus)[2]
    for k in ("noisy", "clean", "noise", "mask", "snr_db", "gain_db"):
        assert torch.equal(a[k], b[k])
    assert not torch.equal(ds[2]["noisy"], ds[3]["noisy"])
    ds.set_epoch(1)
    assert not torch.equal(ds[2]["noisy"], a["noisy"])
    ds.set_epoch(0)
    assert torch.equal(ds[2]["noisy"], a["noisy"])
    other_rank = MixingDataset(ds.speech, ds.noise, ds.config, rank=1)
    assert not torch.equal(other_rank[2]["noisy"], a["noisy"])


def test_dataloader_workers_give_identical_items(corpus):
    ds = make_ds(corpus, epoch_size=4)
    batches = {}
    for workers in (0, 2):
        dl = DataLoader(ds, batch_size=2, num_workers=workers, collate_fn=collate)
        batches[workers] = list(dl)
    for b0, b2 in zip(batches[0], batches[2], strict=True):
        assert b0["noisy"].shape == (2, SR)
        assert isinstance(b0["speaker"], list) and len(b0["speaker"]) == 2
        for k in ("noisy", "clean", "noise", "mask", "snr_db", "gain_db"):
            assert torch.equal(b0[k], b2[k])
        assert b0["noise_files"] == b2["noise_files"]


def test_short_utterances_concatenated_from_same_speaker(corpus):
    ds = make_ds(corpus, speech=("short1.wav", "short2.wav", "a.wav"), speaker_balanced=True, epoch_size=12)
    seen = 0
    for i in range(len(ds)):
        it = ds[i]
        assert torch.all(it["mask"] == 1)
        files = it["speech_files"].split(";")
        if it["speaker"] == "spk3":
            seen += 1
            assert len(files) >= 4  # 0.3 s + 0.25 s utterances fill 1 s
            assert all(Path(f).parent.name == "spk3" for f in files)
        else:
            assert files == [corpus["a.wav"].path]
    assert seen


def test_duration_weighting_draws_in_proportion_to_duration(corpus):
    """short1 (0.3 s) and a (2 s): per file each starts half the segments, per duration a starts 2/2.3 of them."""
    names = ("short1.wav", "a.wav")
    first = {}
    for weighting in ("file", "duration"):
        ds = make_ds(corpus, speech=names, speech_weighting=weighting, epoch_size=400)
        picks = [ds[i]["speech_files"].split(";")[0] for i in range(len(ds))]
        first[weighting] = np.mean([p == corpus["a.wav"].path for p in picks])
    assert abs(first["file"] - 0.5) < 0.08
    assert abs(first["duration"] - 2.0 / 2.3) < 0.06
    with pytest.raises(HushError, match="speech_weighting"):
        make_ds(corpus, speech=names, speech_weighting="loudness")


def test_short_utterance_masked(corpus):
    ds = make_ds(corpus, speech=("short1.wav",), pad="mask")
    it = ds[0]
    n_valid = int(0.3 * SR)
    assert torch.all(it["mask"][:n_valid] == 1) and torch.all(it["mask"][n_valid:] == 0)
    for k in ("noisy", "clean", "noise"):
        assert torch.all(it[k][n_valid:] == 0)
    assert abs(snr(it["clean"], it["noise"]) - float(it["snr_db"])) < 0.01
    batch = collate([ds[0], ds[1]])
    assert batch["mask"].shape == (2, SR)


def test_silent_segments_skipped(corpus):
    ds = make_ds(corpus, speech=("silent.wav", "a.wav"), epoch_size=10)
    for i in range(len(ds)):
        assert ds[i]["speech_files"] == corpus["a.wav"].path
    with pytest.raises(HushError, match="no speech segment"):
        make_ds(corpus, speech=("silent.wav",), max_draws=3)[0]


def test_peak_guard(corpus):
    ds = make_ds(corpus, level_range_db=(-2.0, 0.0), snr_range=(-5.0, 0.0))
    for i in range(4):
        it = ds[i]
        assert max(float(it[k].abs().max()) for k in ("noisy", "clean", "noise")) <= 0.99 + 1e-6
        rms_db = 20 * np.log10(float(it["noisy"].pow(2).mean().sqrt()))
        assert rms_db < -2.0  # scaled below the drawn level
        assert abs(snr(it["clean"], it["noise"]) - float(it["snr_db"])) < 0.01


def test_noise_cache_does_not_change_items(corpus):
    plain = make_ds(corpus, speech=("a.wav",))
    cached = make_ds(corpus, speech=("a.wav",), cache_bytes=10 << 20)
    assert cached.preload_noise() == 3
    assert cached.noise_reader.cache.nbytes == 4 * (3 * SR + SR // 2 + 2 * SR)
    for i in range(3):
        assert torch.equal(plain[i]["clean"], cached[i]["clean"])
        np.testing.assert_allclose(plain[i]["noisy"], cached[i]["noisy"], atol=1e-6)
    tiny = make_ds(corpus, speech=("a.wav",), cache_bytes=4 * SR)  # only the short flac fits
    tiny[0]
    assert len(tiny.noise_reader.cache) <= 1


def test_reader_partial_resampled_read_matches_full(corpus):
    rd = AudioReader(SR)
    path = corpus["c.flac"].path  # 22.05 kHz
    full = rd.read_full(path)
    assert len(full) == rd.length(path) == 2 * SR
    seg = rd.read(path, 5000, 8000)
    assert np.max(np.abs(seg - full[5000:13000])) < 1e-3
    tail = rd.read(path, 2 * SR - 100, 300)
    assert len(tail) == 300 and np.all(tail[100:] == 0)


def test_bad_config_rejected(corpus):
    with pytest.raises(HushError):
        make_ds(corpus, snr_range=(10, 0))
    with pytest.raises(HushError):
        MixConfig.from_dict({"segment_seconds": 1.0, "nope": 1})
    with pytest.raises(HushError):
        MixingDataset([], speech_of(corpus, "w.wav"))


def test_fixed_set_roundtrip(corpus, tmp_path):
    ds = make_ds(corpus)
    fixed = FixedSet.create(ds, 3, tmp_path / "val", seed=11, fmt="wav")
    assert len(fixed) == 3 and sorted(p.name for p in (tmp_path / "val").iterdir()) == [
        "clean",
        "meta.csv",
        "noise",
        "noisy",
    ]
    it = fixed[1]
    assert torch.equal(it["noisy"], it["clean"] + it["noise"])
    assert abs(snr(it["clean"], it["noise"]) - float(it["snr_db"])) < 1e-3
    with pytest.raises(HushError, match="not empty"):
        FixedSet.create(ds, 3, tmp_path / "val")


# -- augmentations --------------------------------------------------------------------------------------------


def _spectrum_energy_above(x: np.ndarray, hz: float) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    return float(spec[np.fft.rfftfreq(len(x), 1 / SR) > hz].sum() / spec.sum())


@pytest.fixture
def x():
    return (0.3 * np.random.default_rng(0).standard_normal(SR)).astype(np.float32)


def test_gain(x):
    aug = build_augmentations([{"name": "gain", "min_db": -6, "max_db": -3}])
    y = aug(x, np.random.default_rng(1), SR)
    ratio = y / x
    assert np.allclose(ratio, ratio[0], rtol=1e-5)
    assert 10 ** (-6 / 20) - 1e-6 <= ratio[0] <= 10 ** (-3 / 20) + 1e-6


def test_time_shift(x):
    circ = build_augmentations([{"name": "time-shift", "max_ms": 10, "mode": "circular"}])
    y = circ(x, np.random.default_rng(2), SR)
    lags = [k for k in range(-160, 161) if np.array_equal(np.roll(x, k), y)]
    assert len(lags) == 1 and lags[0] != 0
    zero = build_augmentations([{"name": "time-shift", "max_ms": 10, "mode": "zero"}])
    z = zero(x, np.random.default_rng(2), SR)
    k = lags[0]
    if k > 0:
        assert np.all(z[:k] == 0) and np.array_equal(z[k:], x[:-k])
    else:
        assert np.all(z[k:] == 0) and np.array_equal(z[:k], x[-k:])


def test_amp_mod(x):
    aug = build_augmentations([{"name": "amp-mod", "rate_hz": (1.0, 2.0), "depth": (0.5, 0.6)}])
    env = aug(x, np.random.default_rng(3), SR) / x
    assert env.max() <= 1 + 1e-6 and env.min() >= 0.4 - 1e-6
    assert env.max() - env.min() > 0.45  # a full period within the second


def test_band_limit(x):
    lp = build_augmentations([{"name": "band-limit", "mode": "lowpass", "cutoff_hz": (3000, 3000)}])
    y = lp(x, np.random.default_rng(4), SR)
    assert _spectrum_energy_above(x, 4000) > 0.4 and _spectrum_energy_above(y, 4000) < 1e-3
    bp = build_augmentations([{"name": "band-limit", "mode": "bandpass", "cutoff_hz": 3000, "low_hz": 300}])
    y = bp(x, np.random.default_rng(4), SR)
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / SR)
    assert spec[f < 100].sum() / spec.sum() < 1e-3 and _spectrum_energy_above(y, 4000) < 1e-2
    nb = build_augmentations([{"name": "band-limit", "mode": "resample", "rates": [8000]}])
    y = nb(x, np.random.default_rng(4), SR)
    assert len(y) == len(x) and _spectrum_energy_above(y, 4100) < 1e-3
    assert np.corrcoef(y, x)[0, 1] > 0.6  # still the same signal below 4 kHz


def test_clip(x):
    aug = build_augmentations([{"name": "clip", "level": (0.5, 0.5)}])
    y = aug(x, np.random.default_rng(5), SR)
    c = 0.5 * np.abs(x).max()
    assert np.isclose(np.abs(y).max(), c)
    small = np.abs(x) < c
    assert np.array_equal(y[small], x[small]) and np.all(np.abs(y[~small]) == np.float32(c))


@pytest.mark.parametrize("kind", ["peaking", "lowshelf", "highshelf"])
def test_biquad_cookbook_responses(kind):
    from scipy.signal import sosfreqz

    from hush.data.mixing.augment import biquad

    sos = biquad(kind, 1000.0, 9.0, 0.7, SR)[None, :]
    f, h = sosfreqz(sos, worN=np.array([20.0, 1000.0, 7900.0]), fs=SR)
    db = 20 * np.log10(np.abs(h))
    if kind == "peaking":
        assert db[1] == pytest.approx(9.0, abs=1e-6) and abs(db[0]) < 0.1 and abs(db[2]) < 0.3
    elif kind == "lowshelf":
        assert db[0] == pytest.approx(9.0, abs=0.1) and abs(db[2]) < 0.1 and db[1] == pytest.approx(4.5, abs=0.1)
    else:
        assert abs(db[0]) < 0.1 and db[2] == pytest.approx(9.0, abs=0.2) and db[1] == pytest.approx(4.5, abs=0.1)


def test_eq_colours_but_keeps_rms(x):
    aug = build_augmentations([{"name": "eq", "max_filters": 3, "gain_db": (-15, 15)}])
    ys = [aug(x, np.random.default_rng(seed), SR) for seed in range(6)]
    for y in ys:
        assert len(y) == len(x) and y.dtype == x.dtype
        assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=1e-4)
    # white noise comes out coloured: the share of energy above 4 kHz moves away from its flat 50 %
    shares = [_spectrum_energy_above(y, 4000) for y in ys]
    assert max(abs(s - _spectrum_energy_above(x, 4000)) for s in shares) > 0.1
    assert np.array_equal(aug(x, np.random.default_rng(3), SR), ys[3])


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_speed_shifts_pitch_and_keeps_length(factor):
    t = np.arange(SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    aug = build_augmentations([{"name": "speed", "factor": (factor, factor)}])
    y = aug(tone, np.random.default_rng(0), SR)
    assert len(y) == len(tone)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert np.fft.rfftfreq(len(y), 1 / SR)[np.argmax(spec)] == pytest.approx(440.0 * factor, abs=2.0)


def test_probability_registry_and_errors(x):
    assert {"gain", "time-shift", "amp-mod", "band-limit", "clip", "eq", "speed"} <= set(AUGMENTATIONS)
    off = build_augmentations([{"name": "gain", "p": 0.0, "min_db": -6, "max_db": -6}])
    assert np.array_equal(off(x, np.random.default_rng(0), SR), x)
    with pytest.raises(HushError, match="unknown augmentation"):
        build_augmentations([{"name": "nope"}])
    with pytest.raises(HushError, match="bad options"):
        build_augmentations([{"name": "gain", "bogus": 1}])

    @register("test-invert")
    class Invert:
        p = 1.0

        def __call__(self, x, rng, sr):
            return -x

    try:
        assert np.array_equal(build_augmentations([{"name": "test-invert"}])(x, np.random.default_rng(), SR), -x)
    finally:
        AUGMENTATIONS.unregister("test-invert")


def test_augmentations_in_dataset(corpus):
    ds = make_ds(
        corpus,
        augmentations=[{"name": "clip", "level": (0.3, 0.3)}],
        noise_augmentations=[{"name": "band-limit", "mode": "lowpass", "cutoff_hz": 2000}],
    )
    it = ds[0]
    clean = it["clean"].numpy()
    assert np.mean(np.isclose(np.abs(clean), np.abs(clean).max())) > 0.01  # clipped plateaus
    noise = it["noise"].numpy()
    assert _spectrum_energy_above(noise, 3500) < 1e-3
    assert abs(snr(it["clean"], it["noise"]) - float(it["snr_db"])) < 0.01


# -- RIRs and reverberation -----------------------------------------------------------------------------------

SMALL_ROOMS = dict(
    n_rirs=3, room_min=(3.0, 3.0, 2.5), room_max=(4.0, 3.5, 3.0), rt60_range=(0.2, 0.35), max_seconds=0.5, seed=5
)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return RIRBank.build(dict(SMALL_ROOMS, cache=str(tmp_path_factory.mktemp("rir") / "bank.npz")), SR)


def test_rir_bank_cached_and_deterministic(bank, tmp_path):
    assert len(bank) == 3 and not bank.from_cache
    again = RIRBank.build(dict(SMALL_ROOMS, cache=bank.cache_path), SR)
    assert again.from_cache
    assert all(np.array_equal(a, b) for a, b in zip(bank.rirs, again.rirs, strict=True))
    assert np.array_equal(bank.direct_idx, again.direct_idx) and np.allclose(bank.rt60, again.rt60)
    for h, d in zip(bank.rirs, bank.direct_idx, strict=True):
        assert np.isclose(np.sum(h.astype(np.float64) ** 2), 1.0, atol=1e-4)
        assert d == np.argmax(np.abs(h)) == direct_path_index(h)
    assert np.all((bank.rt60 >= 0.2) & (bank.rt60 <= 0.35))
    assert np.all((bank.rooms >= SMALL_ROOMS["room_min"]) & (bank.rooms <= SMALL_ROOMS["room_max"]))
    other = RIRBank.build(dict(SMALL_ROOMS, seed=6, n_rirs=1, cache=bank.cache_path), SR)  # settings changed
    assert not other.from_cache and len(other) == 1


def test_infeasible_rooms_resampled():
    import pyroomacoustics as pra

    cfg = RIRConfig(
        n_rirs=2,
        room_min=(20.0, 20.0, 5.0),
        room_max=(25.0, 25.0, 6.0),
        rt60_range=(0.1, 0.33),
        max_seconds=0.3,
        max_order=4,
        seed=1,
    )
    bank = RIRBank.simulate(cfg, 8000)
    assert bank.n_infeasible > 0 and len(bank) == 2
    for dims, rt60 in zip(bank.rooms, bank.rt60, strict=True):
        pra.inverse_sabine(rt60, dims)  # feasible: does not raise
    with pytest.raises(HushError, match="no feasible"):
        RIRBank.simulate(
            RIRConfig(n_rirs=1, room_min=(30, 30, 8), room_max=(30, 30, 8), rt60_range=(0.05, 0.05), max_tries=20), 8000
        )


def test_rir_bank_from_folder(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(2):
        t = np.arange(4000) / SR
        h = rng.standard_normal(4000) * np.exp(-t / 0.05) * 0.2
        h[:100] = 0.001 * rng.standard_normal(100)  # pre-delay with a little noise
        h[100] = 1.0
        sf.write(str(tmp_path / f"r{i}.wav"), h.astype(np.float32), SR, subtype="FLOAT")
    bank = RIRBank.build({"folder": str(tmp_path), "cache": str(tmp_path / "c" / "b.npz")}, SR)
    assert len(bank) == 2 and bank.names == ["r0.wav", "r1.wav"]
    assert all(d == int(round(0.0025 * SR)) for d in bank.direct_idx)  # trimmed to 2.5 ms before the peak
    assert RIRBank.build({"folder": str(tmp_path), "cache": str(tmp_path / "c" / "b.npz")}, SR).from_cache


def test_reverberate_alignment_and_energy(bank):
    x = harmonic(1.0, 130, 11)
    w = np.random.default_rng(12).standard_normal(SR).astype(np.float32)  # broadband: one clear xcorr peak
    for h, d in (bank[i] for i in range(len(bank))):
        rev_w, dry_w = reverberate(w, h, d, SR, target="dry")
        lags = np.arange(-200, 201)
        n = len(w)
        xc = [np.dot(dry_w[max(0, -k) : n - max(0, k)], rev_w[max(0, k) : n - max(0, -k)]) for k in lags]
        assert lags[int(np.argmax(np.abs(xc)))] == 0
        rev, dry = reverberate(x, h, d, SR, target="dry")
        _, early = reverberate(x, h, d, SR, target="early", early_ms=50)
        assert len(rev) == len(dry) == len(early) == len(x)
        ratio = np.sum(rev.astype(np.float64) ** 2) / np.sum(x.astype(np.float64) ** 2)
        assert 0.2 < ratio < 5.0
        assert np.linalg.norm(rev - early) < np.linalg.norm(rev - dry)
        k = int(np.argmax(np.abs(x)))
        np.testing.assert_allclose(dry, x * (dry[k] / x[k]), rtol=1e-5, atol=1e-7)  # a scaled copy of x
    with pytest.raises(HushError):
        reverberate(x, h, d, SR, target="wet")


def test_dataset_with_reverb(corpus, bank):
    for target in ("dry", "early"):
        ds = MixingDataset(
            speech_of(corpus, "a.wav", "b.wav"),
            speech_of(corpus, "w.wav"),
            MixConfig(segment_seconds=1.0, epoch_size=2, reverb_prob=1.0, target=target),
            rir_bank=bank,
        )
        it = ds[0]
        assert it["rir"].startswith("sim")
        np.testing.assert_allclose(it["noisy"], it["clean"] + it["noise"], atol=1e-6)
        # the noise output includes the reverberation residual, so its SNR is at or below the drawn one
        assert snr(it["clean"], it["noise"]) < float(it["snr_db"]) + 0.01


# -- capture and transmission channel ----------------------------------------------------------------------------


def _lag(y: np.ndarray, x: np.ndarray) -> int:
    c = np.fft.irfft(np.fft.rfft(y, 2 * len(x)) * np.conj(np.fft.rfft(x, 2 * len(x))))
    k = int(np.argmax(c))
    return k if k < len(x) else k - 2 * len(x)


@pytest.mark.parametrize("codec", ["ulaw", "alaw", "g721", "gsm", "opus", "mp3"])
def test_codec_keeps_length_and_timing(codec):
    white = np.random.default_rng(1).standard_normal(SR)
    x = (0.3 * harmonic(1.0, 140.0, 0) + 0.02 * white).astype(np.float32)
    aug = build_augmentations([{"name": "codec", "codecs": [codec], "level": (0.8, 0.8)}])
    y = aug(x, np.random.default_rng(0), SR)
    assert y.shape == x.shape and y.dtype == x.dtype and np.all(np.isfinite(y))
    assert _lag(y, x) == 0
    err = 10 * np.log10(np.sum(x**2) / np.sum((y - x) ** 2))
    assert 0.0 < err < 60.0  # lossy, but still the same signal
    if codec in ("ulaw", "alaw", "g721", "gsm"):  # through 8 kHz: nothing above 4 kHz
        assert _spectrum_energy_above(x, 4100) > 1e-3 and _spectrum_energy_above(y, 4100) < 1e-4


def test_codec_level_sets_bitrate():
    x = (0.3 * harmonic(1.0, 180.0, 2) + 0.02 * pink(SR, 3)).astype(np.float32)

    def snr_at(level):
        y = build_augmentations([{"name": "codec", "codecs": ["opus"], "level": (level, level)}])(
            x, np.random.default_rng(0), SR
        )
        return 10 * np.log10(np.sum(x**2) / np.sum((y - x) ** 2))

    assert snr_at(0.2) > snr_at(0.9) + 6.0
    with pytest.raises(HushError, match="codecs"):
        build_augmentations([{"name": "codec", "codecs": ["amr"]}])


def test_zero_gaps_and_edge_silence(x):
    gaps = build_augmentations([{"name": "zero-gaps", "n_gaps": (2, 2), "gap_ms": (100, 100)}])
    y = gaps(x, np.random.default_rng(6), SR)
    zeroed = y == 0
    assert 1600 <= zeroed.sum() <= 3200  # two 100 ms gaps, possibly overlapping
    assert np.array_equal(y[~zeroed], x[~zeroed])
    edge = build_augmentations([{"name": "edge-silence", "max_fraction": 0.3}])
    for seed in range(6):
        y = edge(x, np.random.default_rng(seed), SR)
        nz = np.flatnonzero(y)
        assert nz[0] <= 0.3 * SR and len(y) - 1 - nz[-1] <= 0.3 * SR
        assert np.array_equal(y[nz[0] : nz[-1] + 1], x[nz[0] : nz[-1] + 1])


def test_noise_floor_level():
    y = build_augmentations([{"name": "noise-floor", "level_db": (-100, -100)}])(
        np.zeros(SR, np.float32), np.random.default_rng(7), SR
    )
    assert abs(20 * np.log10(np.sqrt(np.mean(y.astype(np.float64) ** 2))) + 100) < 0.2


def test_channel_on_input_and_target(corpus):
    ds = make_ds(
        corpus,
        channel=[
            {"name": "codec", "codecs": ["gsm"], "target": {"name": "band-limit", "mode": "resample", "rates": [8000]}},
            {"name": "zero-gaps", "n_gaps": (1, 1), "gap_ms": (300, 300), "target": True},
            {"name": "noise-floor", "level_db": (-90, -90)},
        ],
    )
    plain = make_ds(corpus)
    it, ref = ds[3], plain[3]
    noisy, clean, noise = (it[k].numpy().astype(np.float64) for k in ("noisy", "clean", "noise"))
    assert np.allclose(noisy, clean + noise, atol=1e-6)
    assert _spectrum_energy_above(clean, 4100) < 1e-4  # the target got the codec's band limitation...
    assert _spectrum_energy_above(ref["clean"].numpy(), 4100) > 1e-3
    gap = np.flatnonzero(clean == 0)
    assert len(gap) >= 0.3 * SR  # ...and the same gap as the input, where only the noise floor remains
    assert np.sqrt(np.mean(noisy[gap] ** 2)) < 10 ** (-85 / 20)
    assert np.array_equal(ds[3]["noisy"].numpy(), it["noisy"].numpy())  # still a function of the index
    with pytest.raises(HushError, match="target"):
        make_ds(corpus, channel=[{"name": "gain", "target": "yes"}])
