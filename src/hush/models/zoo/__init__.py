"""Every registered architecture, one module each (a family's variants share it); importing this package
registers them all."""

from hush.models.zoo import cnn, crn, dnn, ds_unet, erbdf, gru, manner, tcn_denseunet, transformer, unet, wave_u_net

__all__ = [
    "cnn",
    "crn",
    "dnn",
    "ds_unet",
    "erbdf",
    "gru",
    "manner",
    "tcn_denseunet",
    "transformer",
    "unet",
    "wave_u_net",
]
