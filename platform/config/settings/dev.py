"""The demo launched by `make demo`: console e-mail, local addresses, a demo key.

DEBUG stays off unless DEBUG=1 is set: a newcomer meets the product's own error pages, as in production,
not Django's debug page listing every URL.
"""

from .base import *  # noqa: F403
from .env import DEMO_SECRET_KEY, env_bool, env_str

SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)

DEBUG = env_bool("DEBUG", False)
