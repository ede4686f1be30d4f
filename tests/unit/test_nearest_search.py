"""Past FULL_SEARCH_LIMIT examples the fit takes the nearest-examples search (limits lowered
here so a small run takes it) and still yields a working model with its figures."""

import numpy as np

from featurize import get_pipeline
from training import search
from training.fit import fit
from training.synthetic import clustered_descriptors


def test_a_large_gallery_gets_the_nearest_examples_search_and_a_working_model(monkeypatch):
    monkeypatch.setattr(search, "FULL_SEARCH_LIMIT", 100)
    monkeypatch.setattr(search, "GRID_SAMPLE", 120)
    rng = np.random.default_rng(5)
    x, y = clustered_descriptors(360, 12, rng)
    names = [f"p{k}" for k in range(12)]
    new_faces, truth = clustered_descriptors(24, 12, np.random.default_rng(5))

    fitted = fit(x, y, names, get_pipeline("sface"), progress=False)

    assert fitted.search == search.NEAREST_SEARCH == fitted.manifest_fields()["search"]
    assert [r.name for r in fitted.results] == ["nearest_examples"] == [fitted.chosen.name]
    assert fitted.held_out["accuracy"] >= 0.95
    assert sum(fitted.held_out["per_class"][n]["support"] for n in names) == 360
    model = fitted.estimator
    assert list(model.classes_) == list(range(12))
    assert model.predict_proba(new_faces).shape == (24, 12)
    assert np.array_equal(model.predict(new_faces), truth)  # same centres: the same people
    distances = model.class_distances(new_faces)
    assert np.all(distances[np.arange(24), truth] < fitted.rule["distance_threshold"])


def test_a_small_gallery_keeps_the_seed_search(monkeypatch):
    x, y = clustered_descriptors(40, 4, np.random.default_rng(6))
    fitted = fit(x, y, ["a", "b", "c", "d"], get_pipeline("sface"), progress=False)
    assert fitted.search == search.SEED_SEARCH
    assert {r.name for r in fitted.results} == {"svm", "random_forest", "logistic_regression"}
    assert fitted.chosen.name == "svm"
