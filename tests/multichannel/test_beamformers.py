"""Beamformers, mask sources, cascades and linked channels on synthetic array scenes."""

import numpy as np
import pytest

import hush
from hush.errors import MethodError
from hush.metrics.sdr import si_sdr
from hush.multichannel import MVDR, MWF, DelayAndSum, LinkedChannels, OracleMask
from hush.multichannel.geometry import parse_array
from tests.multichannel.scenes import GEOMETRY, SR, plane_wave, two_source_scene


@pytest.fixture(scope="module")
def scene():
    return two_source_scene()


def test_oracle_mvdr_improves_si_sdr_on_a_two_source_scene(scene):
    x, target = scene
    before = si_sdr(target, x[0])
    after = si_sdr(target, MVDR(mask=OracleMask(target)).enhance(x, SR)[0])
    # 0 dB SIR, an interferer 90 degrees away from the talker on a 15 cm four-microphone array: measured +9.3 dB
    assert after - before > 6.0, (before, after)


def test_mwf_trades_distortion_for_noise_reduction(scene):
    x, target = scene
    mvdr = MVDR(mask=OracleMask(target)).enhance(x, SR)[0]
    mwf = MWF(mask=OracleMask(target), mu=3.0).enhance(x, SR)[0]
    # more suppression: less output energy where the target is silent
    quiet = np.abs(target) < 0.05 * np.abs(target).max()
    assert np.sum(mwf[quiet] ** 2) < np.sum(mvdr[quiet] ** 2)
    assert si_sdr(target, mwf) > si_sdr(target, x[0]) + 5.0


def test_online_mvdr_equals_offline_once_converged():
    # a stationary scene: the recursive covariance with unit forgetting approaches the whole-signal estimate
    x, target = two_source_scene(seconds=8.0, seed=3, gated=False)
    off = MVDR(mask=OracleMask(target), frame_ms=32).enhance(x, SR)[0]
    on = MVDR(mask=OracleMask(target), online=True, forgetting=1.0).enhance(x, SR)[0]
    tail = slice(6 * SR, 8 * SR)  # after six seconds of statistics
    err_db = 10 * np.log10(np.sum((on[tail] - off[tail]) ** 2) / np.sum(off[tail] ** 2))
    assert err_db < -25.0, err_db
    head = slice(0, SR // 2)  # at the start it cannot be converged yet
    assert 10 * np.log10(np.sum((on[head] - off[head]) ** 2) / np.sum(off[head] ** 2)) > err_db + 5


def test_streaming_equals_the_online_method_for_every_array_method():
    x, target = two_source_scene(seconds=2.0)
    for spec in ("mvdr:mask=spp,online=true", "mwf:mask=spp,online=true", "mvdr:mask=spp,online=true+wiener"):
        offline = hush.enhance(x, SR, spec)
        s = hush.Streamer(spec, sr=SR)
        out = np.concatenate([s.process(x[:, i : i + 700]) for i in range(0, x.shape[1], 700)] + [s.flush()], axis=1)
        assert out.shape == (1, x.shape[1] + s.delay)
        np.testing.assert_allclose(out[0, s.delay :], offline, atol=2e-5, err_msg=spec)


def test_neural_mask_stream_equals_offline_mask():
    from hush.multichannel.masks import MethodMask

    x, _ = two_source_scene(seconds=1.5)
    mm = MethodMask(hush.load_method("wiener"))
    off = mm.offline(x, SR, 512, 256)
    src = mm.stream(x.shape[0], SR, 512, 256)
    items = src.push(x[:, :5000], None) + src.push(x[:, 5000:], None) + src.flush(None)
    np.testing.assert_allclose(np.stack(items), off, atol=1e-5)


def test_delay_and_sum_finds_the_talker_and_attenuates_the_interferer():
    rng = np.random.default_rng(4)
    s = rng.standard_normal(3 * SR)
    v = rng.standard_normal(3 * SR) * 0.3
    x = (plane_wave(s, 60.0) + plane_wave(v, 170.0)).astype(np.float32)
    das = DelayAndSum().with_geometry(GEOMETRY)
    y = das.enhance(x, SR)[0]
    assert min(abs(das.last_doa - 60.0), abs(das.last_doa + 60.0) % 360) < 8.0  # a linear array mirrors about x
    assert si_sdr(plane_wave(s, 60.0)[0], y) > si_sdr(plane_wave(s, 60.0)[0], x[0]) + 3.0
    fixed = DelayAndSum(doa=60.0).with_geometry(GEOMETRY)
    assert si_sdr(plane_wave(s, 60.0)[0], fixed.enhance(x, SR)[0]) > si_sdr(plane_wave(s, 60.0)[0], x[0]) + 3.0


def test_linked_channels_keep_interaural_level_differences():
    from tests.helpers.signals import speech_like

    s = speech_like(seconds=3.0, seed=5)
    rng = np.random.default_rng(5)
    ild = 6.0  # dB, left louder
    clean = np.stack([s * 10 ** (ild / 40), s * 10 ** (-ild / 40)])
    noisy = (clean + 0.05 * np.std(s) * rng.standard_normal(clean.shape) * [[1.0], [3.0]]).astype(np.float32)

    def ild_error(y):
        from hush.dsp.stft import stft

        ys, cs = stft(y.astype(np.float64), 512, 256), stft(clean, 512, 256)
        active = np.abs(cs[0]) ** 2 > 1e-3 * np.max(np.abs(cs[0]) ** 2)
        ild_y = 10 * np.log10(np.abs(ys[0]) ** 2 + 1e-12) - 10 * np.log10(np.abs(ys[1]) ** 2 + 1e-12)
        return float(np.mean(np.abs(ild_y - ild)[active]))

    linked = LinkedChannels(hush.load_method("wiener")).enhance(noisy, SR)
    independent = hush.enhance(noisy, SR, "wiener")
    assert linked.shape == noisy.shape
    assert ild_error(linked) < 0.5 * ild_error(independent), (ild_error(linked), ild_error(independent))
    assert ild_error(linked) <= ild_error(noisy) + 0.05  # one gain per bin changes no level difference


def test_mono_input_and_missing_geometry_are_one_line_errors():
    with pytest.raises(MethodError, match="needs at least 2 channels"):
        hush.enhance(np.zeros(SR, np.float32), SR, "mvdr:mask=spp")
    with pytest.raises(MethodError, match="needs the array geometry"):
        hush.enhance(np.zeros((4, SR), np.float32), SR, DelayAndSum())
    with pytest.raises(MethodError, match="4 microphones but the input has 2"):
        hush.enhance(np.zeros((2, SR), np.float32), SR, DelayAndSum().with_geometry(GEOMETRY))
    with pytest.raises(MethodError, match="only be the first stage"):
        hush.load_method("wiener+mvdr")
    with pytest.raises(MethodError, match="mask=oracle needs the clean target"):
        hush.load_method("mvdr:mask=oracle")


@pytest.mark.parametrize(
    "spec,channels",
    [("linear:4:0.05", 4), ("circular:6:0.0425", 6), ("binaural", 2)],
)
def test_array_specs(spec, channels):
    g = parse_array(spec)
    assert g.channels == channels and g.positions.shape == (channels, 3)


@pytest.mark.parametrize("spec", ["linear:4", "linear:x:0.05", "circular:1:0.1", "ring:4:0.1", "nope.json"])
def test_bad_array_specs_are_one_line_errors(spec):
    from hush.errors import HushError

    with pytest.raises(HushError) as e:
        parse_array(spec)
    assert "\n" not in str(e.value)


def test_mask_net_streams_exactly_as_offline_and_feeds_an_online_mvdr():
    import torch

    from hush.multichannel.mask_net import MaskNet, NetMask

    torch.manual_seed(0)
    source = NetMask(MaskNet(hidden=16))
    x, _ = two_source_scene(seconds=1.5)
    off = source.offline(x, SR, 512, 256)
    assert off.shape[1] == 257 and 0.0 < off.min() and off.max() < 1.0
    src = source.stream(x.shape[0], SR, 512, 256)
    from hush.multichannel.framing import MultiSTFT

    ana = MultiSTFT(x.shape[0], 512, 256)
    items = src.push(x, ana.push(x)) + src.flush(ana.flush())
    np.testing.assert_allclose(np.stack(items), off, atol=1e-5)
    offline = MVDR(mask=source, online=True).enhance(x, SR)
    s = hush.Streamer(MVDR(mask=source, online=True), sr=SR)
    out = np.concatenate([s.process(x[:, i : i + 999]) for i in range(0, x.shape[1], 999)] + [s.flush()], axis=1)
    np.testing.assert_allclose(out[0, s.delay :], offline[0], atol=2e-5)



def test_long_frames_help_mvdr_in_a_reverberant_room():
    # the per-bin model of a reverberant talker's spatial image holds better with frames nearer the RIR's length
    pytest.importorskip("pyroomacoustics")
    from hush.data.mixing.arrays import ArraySceneConfig, draw_scene, simulate_room
    from tests.helpers.signals import speech_like

    cfg = ArraySceneConfig(seconds=4.0, rt60_range=(0.5, 0.6), snr_range=(0.0, 0.0), distance_range=(1.5, 2.0))
    rng = np.random.default_rng(3)
    speech = [speech_like(seconds=5.0, seed=1)]
    noise = [rng.standard_normal(5 * SR), rng.standard_normal(5 * SR)]
    sc = draw_scene(simulate_room(GEOMETRY, cfg, 11, 0), GEOMETRY, speech, noise, cfg, rng)
    x, t = sc["noisy"], sc["clean"]
    short = si_sdr(t, MVDR(mask=OracleMask(t), frame_ms=32).enhance(x, SR)[0])
    long = si_sdr(t, MVDR(mask=OracleMask(t)).enhance(x, SR)[0])
    assert MVDR(mask="spp").frame_ms == 128.0 and MVDR(mask="spp", online=True).frame_ms == 32.0
    assert long > short + 0.75, (short, long)


def test_a_mask_source_tied_to_one_frame_length_keeps_it():
    from hush.multichannel.mask_source import MaskSource

    class Fixed32(MaskSource):
        name, frame_ms = "fixed32", 32.0

        def offline(self, x, sr, n_fft, hop):
            return np.ones((1 + x.shape[1] // hop, n_fft // 2 + 1))

        def stream(self, channels, sr, n_fft, hop):
            raise NotImplementedError

    assert MVDR(mask=Fixed32()).frame_ms == 32.0
    with pytest.raises(MethodError, match="32 ms frames only"):
        MVDR(mask=Fixed32(), frame_ms=128)
