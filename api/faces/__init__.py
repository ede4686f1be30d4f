"""Faces of the owner's jobs: their crops, and the clusters of the unknown ones."""
