"""``hush serve``: the HTTP and WebSocket enhancement service and its demo page (needs ``hush[serve]``).

>>> from hush.service import ServiceConfig, create_app
>>> app = create_app(ServiceConfig(methods=("default", "wiener"), workers=2))   # an ASGI app for any server
"""

from hush.service.app import create_app
from hush.service.config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]
