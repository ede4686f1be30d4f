"""Dataset folder -> cleaned face crops -> model search -> model artifacts."""
