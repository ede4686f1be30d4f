"""A job's and a batch's body: what the API answers and what a webhook sends, built once.

Below both ``api/`` and ``tasks/`` (docs/layers.md), so a task never imports the HTTP layer.
"""
