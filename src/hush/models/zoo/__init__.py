"""Every registered architecture; importing this package registers them (one module per family)."""

from hush.models.zoo import gru  # noqa: F401
