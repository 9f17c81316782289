"""The records self-training keeps: one per round, and a sentence on the outcome.

>>> import numpy as np
>>> per_class(np.array([3, 0]), np.array(["cat", "dog"]))
{'cat': 3, 'dog': 0}
"""

import numpy as np

__all__ = ["outcome", "per_class", "round_record"]


def outcome(used_unlabeled, guarded, supervised, final):
    """One plain sentence on what the unlabeled data did to the model."""
    if not used_unlabeled:
        return ("unlabeled data did not help on the validation signal: "
                "the model is the supervised one")
    if not guarded:
        return "the model uses pseudo-labels (no guard compared it with the supervised model)"
    return (f"the model uses pseudo-labels: validation accuracy {supervised.accuracy:.4f} "
            f"(supervised) -> {final.accuracy:.4f}")


def per_class(values, classes):
    """``{class: value}`` with plain Python keys and values (NaN becomes None)."""
    return {_plain(c): _plain(v) for c, v in zip(classes, values, strict=True)}


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def round_record(index, record, score, temperature, accepted, classes, note):
    """The ``history_`` entry of one round (``record`` is None for round 0)."""
    entry = {"round": index}
    if record is not None:
        entry.update({
            "added": per_class(record["added"], classes),
            "dropped": per_class(record["dropped"], classes),
            "mean_confidence": per_class(np.round(record["mean_confidence"], 4), classes),
            "thresholds": per_class(np.round(record["thresholds"], 4), classes),
            "n_pseudo_labels": record["n_pseudo_labels"],
        })
    entry.update({
        "validation_accuracy": None if score is None else score.accuracy,
        "validation_log_loss": None if score is None else score.log_loss,
        "temperature": round(float(temperature), 4),
        "accepted": accepted,
        "note": note,
    })
    return entry


