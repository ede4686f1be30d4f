"""Settings from the environment, read once, typed; the one list of every variable."""

from config.settings import ApiKey, Settings, get_settings

__all__ = ["ApiKey", "Settings", "get_settings"]
