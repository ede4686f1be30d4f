"""Bytes -> image -> faces -> feature vectors. Pure functions: no Flask, no Celery, no I/O."""

from featurize.decode import ImageError, decode_image, sniff_format
from featurize.detect import DetectorConfig
from featurize.pipelines import Pipeline, analyze, get_pipeline
from featurize.results import Analysis, Box, FaceFeatures

__all__ = [
    "Analysis",
    "Box",
    "DetectorConfig",
    "FaceFeatures",
    "ImageError",
    "Pipeline",
    "analyze",
    "decode_image",
    "get_pipeline",
    "sniff_format",
]
