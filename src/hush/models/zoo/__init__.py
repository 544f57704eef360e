"""Every registered architecture, one module each; variants that differ by one switch share their family's module
(``recurrent``: ``gru`` and ``lstm``; ``cnn``: ``cnn1d`` and ``cnn2d``; ``manner``: ``manner`` and ``rt-manner``;
``fullsubnet``: ``fullsubnet`` and ``fast-fullsubnet``).
Importing this package registers them all."""

from hush.models.zoo import (
    cnn,
    crn,
    dnn,
    dpdfnet,
    ds_unet,
    erbdf,
    flowse,
    fullsubnet,
    manner,
    mp_senet,
    recurrent,
    tcn_denseunet,
    transformer,
    unet,
    wave_u_net,
)

__all__ = [
    "cnn",
    "crn",
    "dnn",
    "dpdfnet",
    "ds_unet",
    "erbdf",
    "flowse",
    "fullsubnet",
    "manner",
    "mp_senet",
    "recurrent",
    "tcn_denseunet",
    "transformer",
    "unet",
    "wave_u_net",
]
