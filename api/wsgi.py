"""WSGI entry for gunicorn: ``gunicorn api.wsgi:app``."""

from api import create_app
from config import get_settings
from config.logs import setup_logging

setup_logging(get_settings().log_level)
app = create_app()
