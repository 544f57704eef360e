"""No loading path runs code hidden in a ``.pt`` file: each refuses it with one line and the payload never runs.

The training paths (``init_from``, ``--resume``) are tested in tests/training/test_training.py.
"""

import warnings

import pytest
import torch

import hush
from hush.cli import main
from hush.errors import MethodError
from tests.helpers.pickles import save_malicious


@pytest.fixture
def evil(tmp_path):
    marker = tmp_path / "marker"
    return save_malicious(tmp_path / "evil.pt", marker), marker


def test_load_method_and_load_model_refuse(evil):
    path, marker = evil
    with pytest.raises(MethodError, match="evil.pt: not a hush model file"):
        hush.load_method(str(path))
    with warnings.catch_warnings(), pytest.raises(MethodError, match="evil.pt"):
        warnings.simplefilter("ignore", DeprecationWarning)
        hush.load_model(str(path))
    with pytest.raises(MethodError, match="evil.pt"):
        hush.enhance(torch.zeros(16000).numpy(), 16000, method=str(path))
    assert not marker.exists()


def test_enhance_cli_refuses(evil, tmp_path, capsys):
    path, marker = evil
    src = tmp_path / "in.wav"
    import numpy as np
    import soundfile as sf

    sf.write(src, np.zeros(16000, np.float32), 16000)
    assert main(["enhance", str(src), "-o", str(tmp_path / "out"), "-m", str(path), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "evil.pt: not a hush model file" in err[0]
    assert not marker.exists()


def test_export_onnx_refuses(evil, tmp_path, capsys):
    pytest.importorskip("onnx")
    path, marker = evil
    assert main(["export", "onnx", "-m", str(path), "-o", str(tmp_path / "x.onnx")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "evil.pt" in err[0]
    assert not marker.exists() and not (tmp_path / "x.onnx").exists()


def test_distillation_teacher_cache_ignores_a_planted_file(tmp_path):
    from hush.models import build_model
    from hush.training.distill import TeacherCache

    teacher = build_model("gru", hidden=8, layers=1, n_fft=64, hop=32)
    cache = TeacherCache(tmp_path / "cache", teacher)
    item = torch.randn(256)
    key = TeacherCache.key(item)
    cache.put([key], {"out.enhanced": item[None]})
    assert cache.get([key], ["out.enhanced"]) is not None
    marker = tmp_path / "marker"
    save_malicious(cache._path("out.enhanced", key), marker, wrap=False)  # someone replaced a cached entry
    assert cache.get([key], ["out.enhanced"]) is None  # a miss: the teacher recomputes it
    assert not marker.exists()
