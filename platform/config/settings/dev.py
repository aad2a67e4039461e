"""The demo launched by `make demo`: debug pages, console e-mail, local addresses."""

from .base import *  # noqa: F403
from .env import DEMO_SECRET_KEY, env_str

SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)

DEBUG = True
