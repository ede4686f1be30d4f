"""People, their example photos and the models trained on them: the service learning its
users' people (the seed's collect -> clean -> inspect -> train -> deploy loop)."""
