"""Celery app and thin tasks: load the row, call featurize/inference, write the result."""
