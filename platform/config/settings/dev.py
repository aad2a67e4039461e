"""The demo launched by `make demo`: debug pages, console e-mail, local addresses."""

from .base import *  # noqa: F403

DEBUG = True
