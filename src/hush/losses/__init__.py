"""Training losses (torch) and their registry.

Every loss is a :class:`Loss` (an ``nn.Module``) called as ``loss(out, batch) -> scalar`` where ``out`` holds
the model outputs and intermediate features (``out["enhanced"]`` is the ``(B, T)`` estimate) and ``batch`` the
example (``clean``, ``noisy``, ``noise``, optional 0/1 ``mask``). ``est_key`` / ``ref_key`` choose the compared
tensors, so the same losses serve e.g. student/teacher distillation.

>>> loss = build_loss({"mr-stft": 1.0, "si-snr": 0.05})
>>> total = loss(out, batch); total.backward()
>>> loss.last  # {"mr-stft": 1.83, "si-snr": -12.4}

Registered: ``mse``, ``l1``, ``spectral-mse``, ``lsm``, ``si-snr``, ``mr-stft``, ``compressed-complex``,
``seg-weighted-mse``, ``estoi``, ``dnsmos``, ``phase`` (anti-wrapping), ``tf-consistency``, ``flow-matching`` (see
:func:`names`). ``tf-consistency`` and ``flow-matching`` read model outputs other than the waveform (the output
spectrum, the predicted and target velocities). A new loss is one class in one module with
``@register("name")`` (:mod:`hush.losses.base`), imported here.
"""

from hush.losses.base import LOSSES, Loss, LossSpecError, create_loss, get, names, register
from hush.losses.combine import WeightedSum, build_loss
from hush.losses.consistency import ConsistencyLoss
from hush.losses.flow_matching import FlowMatchingLoss
from hush.losses.intelligibility import ESTOILoss
from hush.losses.phase import AntiWrappingPhaseLoss
from hush.losses.quality import DNSMOSLoss
from hush.losses.spectral import (
    CompressedComplexLoss,
    LogSpectralMSELoss,
    MultiResolutionSTFTLoss,
    SpectralMSELoss,
)
from hush.losses.time_domain import L1Loss, MSELoss, SegWeightedMSELoss, SISNRLoss

__all__ = [
    "LOSSES",
    "AntiWrappingPhaseLoss",
    "CompressedComplexLoss",
    "ConsistencyLoss",
    "DNSMOSLoss",
    "ESTOILoss",
    "FlowMatchingLoss",
    "L1Loss",
    "LogSpectralMSELoss",
    "Loss",
    "LossSpecError",
    "MSELoss",
    "MultiResolutionSTFTLoss",
    "SISNRLoss",
    "SegWeightedMSELoss",
    "SpectralMSELoss",
    "WeightedSum",
    "build_loss",
    "create_loss",
    "get",
    "names",
    "register",
]
