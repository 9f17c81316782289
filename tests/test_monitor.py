"""Monitoring windows: feedback labels matched to the model's classes as training read them."""

import numpy as np
import pandas as pd

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
