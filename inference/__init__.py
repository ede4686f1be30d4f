"""Load a trained model safely and name the faces in a photo with it."""

from inference.artifacts import ModelBundle, ModelError, default_model_dir, load_model, save_model
from inference.predictor import FacePrediction, PhotoPrediction, Predictor

__all__ = [
    "FacePrediction",
    "ModelBundle",
    "ModelError",
    "PhotoPrediction",
    "Predictor",
    "default_model_dir",
    "load_model",
    "save_model",
]
