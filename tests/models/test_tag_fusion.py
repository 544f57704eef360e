"""Tagger-embedding fusion on tcn-denseunet: shapes, causality, streaming, and the tagger kept out of model files."""

from __future__ import annotations

import pytest
import torch

from hush.models import build_model, load, save
from hush.models.blocks.tag_fusion import TagEmbedder
from hush.models.zoo.tcn_denseunet import fusion_positions

POSITIONS = ["early", "middle", "late", "all"]


def tiny(**options):
    torch.manual_seed(0)
    cfg = build_model("tcn-denseunet").tiny_config()
    return build_model("tcn-denseunet", **cfg, **options).eval()


def test_fusion_positions_are_checked():
    assert fusion_positions("none") == ()
    assert fusion_positions("all") == ("early", "middle", "late")
    assert fusion_positions(["late", "early"]) == ("early", "late")
    with pytest.raises(ValueError, match="'bottom'"):
        fusion_positions("bottom")


@pytest.mark.parametrize("position", POSITIONS)
def test_fusion_keeps_shapes_and_uses_the_embedding(position):
    base = tiny()
    model = tiny(fusion=position, tagger_window=1.0, tagger_step=0.25)
    x = torch.randn(2, 8000) * 0.1
    with torch.no_grad():
        out, ref = model(x), base(x)
    for key in ("enhanced", "gain", "decoder", "decoder_out"):
        assert out[key].shape == ref[key].shape
    # the fusion planes' weights reach the output: zeroing them changes it
    with torch.no_grad():
        for plane in model.fuse.values():
            plane.proj.weight.mul_(0.0)
            plane.proj.bias.mul_(0.0)
        changed = model(x)["enhanced"]
    assert (changed - out["enhanced"]).abs().max() > 1e-6


@pytest.mark.parametrize("position", POSITIONS)
def test_running_embedding_is_causal_and_streams(position):
    model = tiny(fusion=position, tagger_window=0.5, tagger_step=0.125)
    assert model.causal and model.supports_streaming
    torch.manual_seed(1)
    x = torch.randn(1, 12000) * 0.1
    cut = 6000
    y = torch.cat([x[:, :cut], torch.randn(1, 12000 - cut)], dim=1)
    with torch.no_grad():
        a, b = model(x)["enhanced"], model(y)["enhanced"]
    keep = cut - model.lookahead
    assert torch.allclose(a[:, :keep], b[:, :keep], atol=1e-5)  # the past does not see the changed future
    assert (a[:, cut:] - b[:, cut:]).abs().max() > 1e-4
    # streaming in uneven blocks equals the offline output
    hop, state, outs = model.hop_size, model.init_state(1), []
    with torch.no_grad():
        pos = 0
        for n in (1, 5, 2, 9, 3, 13, 40):
            blk = x[:, pos : pos + n * hop]
            if blk.shape[-1] < hop:
                break
            blk = blk[:, : blk.shape[-1] // hop * hop]
            o, state = model.step(blk, state)
            outs.append(o)
            pos += blk.shape[-1]
    s = torch.cat(outs, dim=1)
    d = model.stream_delay
    assert torch.allclose(s[:, d:], a[:, : s.shape[1] - d], atol=1e-5)


def test_clip_embedding_is_not_causal():
    model = tiny(fusion="middle")
    assert not model.causal and not model.supports_streaming
    x = torch.randn(1, 8000) * 0.1
    y = x.clone()
    y[:, 6000:] = torch.randn(1, 2000)
    with torch.no_grad():
        a, b = model(x)["enhanced"], model(y)["enhanced"]
    assert (a[:, :1000] - b[:, :1000]).abs().max() > 1e-6  # the whole-input embedding reaches every frame


def test_running_embedding_windows_end_before_each_frame():
    emb = TagEmbedder(16000, 256, window_s=1.0, step_s=0.5)
    frames = torch.arange(200)
    m = emb.window_index(frames)
    ends = m * emb.step  # window m ends at m * step samples
    assert (ends <= (frames + 1) * 256).all()  # never after the frame's last input sample
    assert ((ends + emb.step) > (frames + 1) * 256).all()  # and it is the newest such window


def test_tagger_stays_out_of_the_state_dict_and_parameters(tmp_path):
    model = tiny(fusion="all", tagger_window=1.0)
    base = tiny()
    extra = set(model.state_dict()) - set(base.state_dict())
    assert extra and all(k.startswith("fuse.") for k in extra)
    assert not any(p is q for p in model.parameters() for q in model.embedder.tagger.parameters())
    model.train()
    assert not model.embedder.tagger.training
    x = torch.randn(1, 8000) * 0.1
    path = save(model, tmp_path / "m.pt")
    assert path.stat().st_size < 1_000_000  # no 4 MB tagger inside
    again = load(path)
    with torch.no_grad():
        assert torch.allclose(again(x)["enhanced"], model.eval()(x)["enhanced"], atol=1e-6)
