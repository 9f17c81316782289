"""Monitoring windows: feedback labels matched to the model's classes as training read them."""

import numpy as np
import pandas as pd
import pytest

from semiloop.monitor.windows import _class_codes, _feedback


def test_feedback_labels_match_classes_as_text_or_as_numbers():
    labels = pd.Series([1.0, "0", "", None, -1, "cat", 0.0], dtype=object)
    assert _class_codes(labels, np.array([0, 1])).tolist() == [1, 0, -1, -1, -1, -1, 0]
    assert _class_codes(pd.Series(["yes", "no", ""]), np.array(["no", "yes"])).tolist() == [
        1, 0, -1]
    proba = np.array([[0.2, 0.8], [0.9, 0.1], [0.5, 0.5]])
    assert _feedback(pd.Series(["yes", "yes", ""]), np.array(["no", "yes"]), proba) == {
        "n_labels": 2, "accuracy": 0.5}
    assert _feedback(pd.Series(["", ""]), np.array(["no", "yes"]), proba[:2])["accuracy"] is None


def test_each_window_carries_the_reference_levels_its_alarms_compare_with():
    from sklearn.linear_model import LogisticRegression

    from semiloop.monitor.windows import monitor_windows
    from semiloop.trust.predictions import mean_confidence, mean_entropy

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    reference["label"] = (reference["a"] > 0).astype(int)
    model = LogisticRegression().fit(reference[["a", "b"]], reference["label"])
    flat = reference[["a", "b"]].sample(100, random_state=1) * 0.05   # every row near the edge
    report = monitor_windows(reference, [("w1", flat)], model=model, label_column="label")
    predictions = report["windows"][0]["predictions"]
    reference_proba = model.predict_proba(reference[["a", "b"]])
    assert predictions["reference_confidence"] == mean_confidence(reference_proba)
    assert predictions["reference_entropy"] == mean_entropy(reference_proba)
    assert predictions["prior"] == pytest.approx([0.5, 0.5], abs=0.05)
    assert "confidence_drop" in report["windows"][0]["tripped"]
