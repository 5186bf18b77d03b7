r"""``fit(compile=True)``: each batch's forward and backward passes by ``engine.compile``.

``fit``'s eager step builds the batch's graph,
$C = \frac{1}{|B|}\sum_{i \in B} L(\text{model}(x_i), t_i) + R(\text{model})$, and
calls ``C.backward()``. ``CompiledBatches`` gets the same cost, the same
predictions and the same gradients, bit for bit, from one compiled step:
``per_example`` is the model and the loss of one example, ``extra`` the
regularization. A target reaches the loss as it does in the eager step: a
number as a Value of that number (the losses treat both alike), a class index
as the int itself where the loss reads one (``cross_entropy``; a named loss
given a model of several outputs, which makes it a one-hot list): the
compiled step then reads the label, and writes one program per class.

Where ``engine.compile`` refuses the model or the loss (a ``custom_op``
activation; ``rmse`` or ``binary_cross_entropy``, which read their numbers to
check them), the first batch warns once and ``fit`` trains eagerly: the same
results, only slower.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import engine
from engine import Value
from nn.train import _check_outputs, _Diverged


class CompiledBatches:
    """The forward and backward passes of ``fit``'s batches, compiled; ``None`` means: run eagerly.

    ``objective`` is ``fit``'s ``_Objective`` (the loss, the regularization,
    how targets are read); ``targets`` are all of ``fit``'s targets.
    """

    def __init__(self, model: Any, objective: Any, targets: Sequence[Any]) -> None:
        self.params = model.parameters()
        indices = objective.name == "cross_entropy" or objective.one_hot
        self.class_indices = indices and all(
            isinstance(t, int) and not isinstance(t, bool) for t in targets
        )

        def per_example(x: list[Value], y: Any) -> tuple[Value, Any]:
            prediction = model(x)
            index = objective.name == "cross_entropy" or isinstance(prediction, list)
            target = int(y.data) if self.class_indices and index else y
            return objective.example_loss(prediction, target), prediction

        regularization = objective.regularization
        extra = None if regularization is None else (lambda: regularization(model))
        self.step: engine.CompiledStep | None = engine.compile(
            per_example, self.params, reduce="mean", extra=extra, has_aux=True
        )

    def __call__(self, inputs: list[Any], targets: list[Any]) -> tuple[float, list[Any]] | None:
        """``(cost, predictions)`` of the batch with every gradient filled; ``None`` to run eagerly.

        A model output that is not finite raises ``_Diverged`` as in the eager
        step, which checks the outputs before its loss. That output, or a cost
        that is not finite, leaves the gradients as they were, as the eager step
        stops before its backward pass.
        """
        if self.step is None:
            return None
        try:
            self.step.trace(inputs, targets)
        except Exception as error:  # refused, or the trace failed: the eager step will tell
            warnings.warn(
                f"fit(compile=True) trains eagerly instead (the same results, slower): {error}",
                stacklevel=4,
            )
            self.step = None
            return None
        before = [p.grad for p in self.params]
        cost, predictions = self.step(inputs, targets)
        try:
            _check_outputs(predictions, inputs)
        except _Diverged:
            self._restore(before)
            raise
        if not math.isfinite(cost):
            self._restore(before)
        return cost, predictions

    def _restore(self, grads: list[float]) -> None:
        for p, grad in zip(self.params, grads):
            p.grad = grad
