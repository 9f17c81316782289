"""The shared parts deep SSL algorithms are made of.

- :mod:`.context`: what one training step sees (the batch, the model, the
  teacher, the step, a forward that shares batch-norm statistics).
- :mod:`.teachers`: the EMA copy of the weights (Mean Teacher's teacher, and
  the weights every algorithm is evaluated with).
- :mod:`.targets`: hard pseudo-labels, sharpening, distribution alignment.
- :mod:`.masks`: which unlabeled rows count, and how much: a fixed threshold
  (FixMatch), a class-wise curriculum (FlexMatch), a self-adaptive threshold
  (FreeMatch), a truncated Gaussian weight (SoftMatch). They run the policies
  of :mod:`semiloop.thresholds`, the same code the self-training wrapper uses.
"""
