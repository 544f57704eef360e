"""Every registered architecture; importing this package registers them (one module per family)."""

import importlib

FAMILIES = [
    "gru",
    "dnn",
    "cnn",
    "unet",
    "wave_u_net",
    "ds_unet",
    "crn",
    "transformer",
    "tcn_denseunet",
    "manner",
    "erbdf",
]

for _name in FAMILIES:
    try:
        importlib.import_module(f"hush.models.zoo.{_name}")
    except ModuleNotFoundError as _e:  # a family not written yet must not break the others
        if _e.name != f"hush.models.zoo.{_name}":
            raise
