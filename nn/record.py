r"""A record of training, epoch by epoch: what ``fit(..., record=True)`` keeps.

After every epoch ``fit`` copies each parameter's number (``p.data``) and
its gradient (``p.grad``) into two flat arrays of C doubles
(``array('d')``, 8 bytes a number, no Python object per number):

* ``values``: one row before training (epoch 0) and one after each epoch,
  the parameters in the order of ``model.parameters()``;
* ``gradients``: one row per epoch: the gradient of that epoch's *last*
  step, the one that moved the parameters to the row of ``values`` after it.
  With full-batch training (``batch_size=None``) that is the gradient of the
  whole training cost at the parameters the epoch began with.

For micrograd's demo model (337 parameters) over 100 epochs that is
$337 \times (101 + 100) \times 8$ bytes, about 0.54 MB. The loss and accuracy
of each epoch are in the ``History`` itself.

``History.explore()`` turns the record into the training time machine
(``nn.time_machine``).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from engine import Value


class TrainingRecord:
    """Every parameter's value after each epoch and gradient in each epoch (see the module doc).

    * ``names``: the parameters' names (``named_parameters()``, or
      ``parameter i``),
    * ``model``, ``X``, ``y``: the model that was trained and its training
      data (references, for drawing; ``History.explore`` puts the model's
      parameters back as it found them),
    * ``threshold``: where a one-output classifier's decision lies (as
      ``fit``'s accuracy measures it), ``None`` when the targets are not
      class labels,
    * ``values``, ``gradients``: the flat arrays; read them with
      ``parameters_after(epoch)`` and ``gradients_in(epoch)``.
    """

    def __init__(
        self,
        model: Any,
        named_parameters: Sequence[tuple[str, Value]],
        X: Sequence[Any],
        y: Sequence[Any],
        threshold: float | None,
    ) -> None:
        self.model = model
        self.names = [name for name, _ in named_parameters]
        self._parameters = [p for _, p in named_parameters]
        self.X = X
        self.y = y
        self.threshold = threshold
        self.values = array("d", (p.data for p in self._parameters))
        self.gradients = array("d")

    @property
    def epochs(self) -> int:
        """How many epochs are recorded (the rows of ``gradients``)."""
        return len(self.gradients) // max(1, len(self.names))

    @property
    def nbytes(self) -> int:
        """The memory the two arrays hold, in bytes."""
        return (len(self.values) + len(self.gradients)) * self.values.itemsize

    def add_epoch(self) -> None:
        """Copy every parameter's number and gradient, at the end of an epoch."""
        self.values.extend(p.data for p in self._parameters)
        self.gradients.extend(p.grad for p in self._parameters)

    def parameters_after(self, epoch: int) -> list[float]:
        """The parameters after ``epoch`` epochs (``0``: before training)."""
        self._check(epoch, 0)
        n = len(self.names)
        return self.values[epoch * n : (epoch + 1) * n].tolist()

    def gradients_in(self, epoch: int) -> list[float]:
        """The gradient of the last step of ``epoch`` (counted from 1)."""
        self._check(epoch, 1)
        n = len(self.names)
        return self.gradients[(epoch - 1) * n : epoch * n].tolist()

    def _check(self, epoch: int, first: int) -> None:
        if (
            isinstance(epoch, bool)
            or not isinstance(epoch, int)
            or not first <= epoch <= self.epochs
        ):
            raise IndexError(
                f"epoch must be an int from {first} to {self.epochs} (the epochs recorded), "
                f"got {epoch!r}"
            )

    def __repr__(self) -> str:
        return (
            f"TrainingRecord({len(self.names)} parameters, {self.epochs} epochs, "
            f"{self.nbytes / 1e6:.2f} MB)"
        )
