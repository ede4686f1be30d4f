"""Settings from the environment, read once, typed; the one list of every variable."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
