"""What self-training's trust measures need beside its chains: the audit rows, the alarms.

The audit chain is one more :class:`~semiloop.methods._chain.SelfTrainingChain`,
trained on the labeled rows less a hidden share and pseudo-labeling those
hidden rows along with the pool; how often its pseudo-labels on them are
right estimates the precision of the pseudo-labels the final chain gives,
without a new label and without taking any from the final model.
"""

import numpy as np
from sklearn.utils import check_random_state

from semiloop.trust.training import collapse_alarms, pseudo_label_audit

__all__ = ["hidden_rows", "round_alarms", "round_audit"]

#: Labeled rows a class must have to lend one to the audit (two stay to train on).
MIN_ROWS_TO_HIDE = 3


def hidden_rows(label_codes, share, random_state=None):
    """Positions of a stratified ``share`` of the labeled rows to hide for the audit.

    Each class with at least :data:`MIN_ROWS_TO_HIDE` rows lends
    ``round(share * n)`` of them (at least one), keeping two or more to train on.

    Parameters
    ----------
    label_codes : ndarray of int, shape (n_labeled,)
    share : float in (0, 0.5)
    random_state : int, RandomState or None

    Returns
    -------
    ndarray of int
        Sorted positions into ``label_codes``; empty when no class can lend rows.

    Examples
    --------
    >>> hidden_rows(np.array([0] * 10 + [1] * 2), 0.2, random_state=0).size
    2
    """
    rng = check_random_state(random_state)
    chosen = []
    for code in np.unique(label_codes):
        members = np.flatnonzero(label_codes == code)
        if len(members) < MIN_ROWS_TO_HIDE:
            continue
        n = min(max(1, round(share * len(members))), len(members) - 2)
        chosen.append(rng.choice(members, n, replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)


def round_audit(audit_chain, n_pool, truth, classes):
    """The audit of the pseudo-labels the audit chain holds on its hidden rows (a dict)."""
    if audit_chain is None:
        return None
    held = audit_chain.pseudo_labels[n_pool:]
    return pseudo_label_audit(truth, held, len(classes)).to_dict(classes)


def round_alarms(final, reference_proba, temperature, classes):
    """Collapse alarms that tripped for the final chain's current model, as dicts.

    The reference is the supervised model's predictions of the pool; the
    class balance is that of the pseudo-labels held, against the class prior
    that balanced selection follows (``class_prior``), else the labeled one.
    """
    if reference_proba is None or not len(reference_proba):
        return []
    current = final.pool_proba(temperature)
    prior = final.labeled_prior if final.class_prior is None else final.class_prior
    alarms = collapse_alarms(reference_proba, current, prior,
                             pseudo_codes=final.pseudo_labels)
    return [alarm.to_dict() for alarm in alarms if alarm.tripped]
