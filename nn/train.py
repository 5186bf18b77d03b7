r"""Training: the loop that turns a loss, gradients and an optimizer into a model that works.

One **step** of gradient descent on a batch $B$ of examples $(x_i, t_i)$:

1. forward: predictions $p_i = \text{model}(x_i)$ and the batch cost
   $$C = \frac{1}{|B|} \sum_{i \in B} L(p_i, t_i) \; + \; R(\text{model}),$$
   the mean of the per-example losses plus an optional regularization
   term $R$ (e.g. an L2 penalty $\lambda \sum_w w^2$);
2. backward: ``C.backward()`` fills every parameter's ``grad`` with
   $\partial C / \partial w$;
3. update: ``optimizer.step()``, e.g. $w \leftarrow w - \eta\,\partial C / \partial w$.

An **epoch** is one pass over the training set: one step with the whole
set (``batch_size=None``, full-batch gradient descent), or one step per
mini-batch of ``batch_size`` examples, in a fresh random order each epoch
(``shuffle=True``, mini-batch / stochastic gradient descent).

``fit`` runs the epochs and returns a ``History`` of the loss and accuracy
per epoch, on the training set and on optional validation data:

>>> from nn.modules import MLP
>>> from nn.data import make_moons, to_signed_labels
>>> X, y = make_moons(20, seed=0)
>>> model = MLP(2, [8, 1], seed=0)
>>> history = fit(model, X, to_signed_labels(y), loss="hinge", optimizer="sgd", lr=0.1,
...               epochs=5, progress=False)
>>> len(history.loss), history.loss[-1] < history.loss[0]
(5, True)

The loss and accuracy reported for an epoch are averaged over its batches,
each measured *before* that batch's update (as Keras reports them).

**Safety.** If the model's output or the cost becomes ``nan`` or ``inf``
(usually a learning rate that is too high), training stops with a
``NonFiniteLossError`` naming the epoch and batch, and the model keeps its
last finite parameters: the checks run before each update, and an update
that would make a parameter non-finite is undone, together with the
optimizer's own state (its step count, momentum and moments, through
``state_dict()``/``load_state_dict()``), so training can resume from there.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from engine import Value, no_grad, sum_values
from nn.data import random_source
from nn.losses import LOSSES, InfiniteLossError
from nn.record import TrainingRecord

if TYPE_CHECKING:
    from engine import Page

Number = int | float
Target = Number | Sequence[Number]
LossFunction = Callable[[Any, Any], Value]
Regularization = Callable[[Any], Value | Number]

#: Losses whose predictions are scores with the decision boundary at 0
#: (an example is classified positive when its score is > 0).
_SCORE_LOSSES = ("hinge", "binary_cross_entropy_with_logits")

#: Default learning rates for optimizers given by name.
DEFAULT_LR: dict[str, float] = {"sgd": 0.1, "adam": 0.01}


class NonFiniteLossError(ArithmeticError):
    """Training produced ``nan`` or ``inf``: the loss, a gradient or an updated parameter.

    ``epoch`` and ``batch`` (both counted from 1) say where; ``value`` is the
    offending number; ``history`` holds the epochs completed before. The
    model keeps the parameters it had before the failing step.
    """

    def __init__(
        self, message: str, epoch: int, batch: int, value: float, history: History
    ) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.value = value
        self.history = history


class History:
    """Per-epoch results of ``fit``: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``.

    Each is a list with one number per epoch (empty when not measured:
    ``accuracy`` for regression targets, ``val_*`` without validation data).
    Read them as attributes (``history.loss``) or as a dict
    (``history["loss"]``, ``history.keys()``, ``history.as_dict()``).

    >>> h = History()
    >>> h.loss += [0.9, 0.5, 0.25]
    >>> h.accuracy += [0.5, 0.75, 1.0]
    >>> h
    History(epochs=3, loss: 0.9 -> 0.25, accuracy: 0.5 -> 1)
    >>> h["loss"][-1], h.keys()
    (0.25, ['loss', 'accuracy'])
    """

    KEYS: tuple[str, ...] = ("loss", "accuracy", "val_loss", "val_accuracy")

    def __init__(self) -> None:
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        #: The parameters and gradients of every epoch, with ``fit(..., record=True)``.
        self.record: TrainingRecord | None = None

    @property
    def epochs(self) -> int:
        """How many epochs were completed."""
        return len(self.loss)

    def __len__(self) -> int:
        return self.epochs

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.KEYS:
            raise KeyError(f"{key!r}: a History has {', '.join(map(repr, self.KEYS))}")
        return getattr(self, key)  # type: ignore[no-any-return]

    def keys(self) -> list[str]:
        """The names of the measured quantities (those with at least one value)."""
        return [key for key in self.KEYS if getattr(self, key)]

    def as_dict(self) -> dict[str, list[float]]:
        """``{name: per-epoch list}`` for every measured quantity (copies of the lists)."""
        return {key: list(getattr(self, key)) for key in self.keys()}

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        for key in self.keys():
            values = getattr(self, key)
            parts.append(f"{key}: {values[0]:.4g} -> {values[-1]:.4g}")
        return f"History({', '.join(parts)})"

    def plot(self) -> Any:
        """Loss and accuracy curves as a matplotlib Figure (``nn.plot_history(self)``)."""
        from nn.visualize import plot_history

        return plot_history(self)

    def explore(
        self,
        *,
        input_names: Sequence[str] | None = None,
        resolution: int | None = None,
        title: str | None = None,
    ) -> Page:
        """The training time machine: a page with an epoch slider (``nn.time_machine``).

        Needs ``fit(..., record=True)``. ``input_names`` name the inputs in the
        network diagram, ``resolution`` sets the cells per side of the
        decision boundary, ``title`` heads the page. Show it in a notebook, or
        ``.save("training.html")`` and open the file in any browser.
        """
        if self.record is None:
            raise ValueError(
                "this History has no record of the parameters: train with "
                "fit(..., record=True) to explore the training epoch by epoch"
            )
        from nn.time_machine import training_page

        return training_page(self, input_names=input_names, resolution=resolution, title=title)


# -- losses, targets and accuracy ------------------------------------------------


def _resolve_loss(loss: str | LossFunction) -> tuple[LossFunction, str]:
    """The loss function and its name (a function's ``__name__`` for a callable)."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(
                f"unknown loss {loss!r}; valid names: {', '.join(map(repr, LOSSES))} "
                "(or pass a function (prediction, target) -> Value)"
            )
        return LOSSES[loss], loss
    if callable(loss):
        for name, function in LOSSES.items():
            if function is loss:
                return loss, name
        # (a custom loss's name is only compared with the library's names: any other is alike)
        return loss, getattr(loss, "__name__", "custom")  # pragma: no mutate (None: see above)
    raise TypeError(
        f"loss must be a name or a function (prediction, target) -> Value, "
        f"got {type(loss).__name__}: {loss!r}"
    )


def _data(prediction: Value | Sequence[Value] | Number) -> float | list[float]:
    """The number(s) inside a model output: a float for one output, a list for several."""
    if isinstance(prediction, Value):
        return prediction.data
    if isinstance(prediction, int | float):
        return float(prediction)
    return [p.data if isinstance(p, Value) else float(p) for p in prediction]


def _argmax(values: Sequence[float]) -> int:
    """The index of the largest value (the first one on a tie)."""
    best = 0
    for i, v in enumerate(values):
        if v > values[best]:
            best = i
    return best


def _is_label(t: object, n_outputs: int | None) -> bool:
    """True for a class label.

    One output: -1, 0 or 1. Several outputs: a class index below
    ``n_outputs`` or a one-hot list. Unknown output count: either.
    """
    if isinstance(t, bool):
        return False
    if isinstance(t, int | float):
        if n_outputs is None or n_outputs == 1:
            if t in (-1, 0, 1):
                return True
        return n_outputs != 1 and isinstance(t, int) and 0 <= t < (n_outputs or math.inf)
    if isinstance(t, Sequence) and not isinstance(t, str):
        return all(isinstance(v, int | float) and v in (0, 1) for v in t) and sum(t) == 1
    return False


def _threshold(loss_name: str, targets: Sequence[Any]) -> float:
    """Where a single output's decision boundary lies.

    0 for scores (hinge, logits) and for targets in {-1, +1}; 0.5 for
    probabilities and for targets in {0, 1}.
    """
    if loss_name in _SCORE_LOSSES:
        return 0.0
    if loss_name == "binary_cross_entropy":
        return 0.5
    if any(isinstance(t, int | float) and t < 0 for t in targets):
        return 0.0
    return 0.5


def _is_correct(output: float | list[float], target: Any, threshold: float) -> bool:
    """One prediction checked against its label.

    One output: both on the same side of ``threshold``. Several outputs: the
    largest output's index equals the class index (or the one-hot position).
    """
    if isinstance(output, list) and len(output) == 1:
        output = output[0]
    if isinstance(output, float):
        value = target[0] if isinstance(target, Sequence) else target
        return (output > threshold) == (value > threshold)
    if isinstance(target, Sequence):
        target = _argmax(list(target))
    return _argmax(output) == target


def _one_hot(index: int, size: int) -> list[float]:
    """``[0, ..., 1, ..., 0]`` with the 1 at ``index``."""
    if not 0 <= index < size:
        raise ValueError(f"class index {index} is out of range for a model with {size} outputs")
    return [1.0 if i == index else 0.0 for i in range(size)]


class _Objective:
    """Everything ``fit``, ``evaluate`` and ``accuracy`` need to score predictions."""

    def __init__(
        self,
        loss: str | LossFunction,
        targets: Sequence[Any],
        regularization: Regularization | None,
        metrics: str | Sequence[str] | None,
        n_outputs: int | None,
    ) -> None:
        self.function, self.name = _resolve_loss(loss)
        self.regularization = regularization
        if regularization is not None and not callable(regularization):
            raise TypeError(
                "regularization must be a function model -> Value, e.g. "
                "lambda model: 1e-4 * sum(p * p for p in model.parameters())"
            )
        if self.name == "hinge":
            bad = [t for t in targets if t not in (-1, 1)]
            if bad:
                raise ValueError(
                    f"the hinge loss needs labels -1 or +1, got {bad[0]!r}; "
                    "map 0/1 labels with nn.data.to_signed_labels(y) (2 * y - 1)"
                )
        labels = all(_is_label(t, n_outputs) for t in targets)
        if metrics == "auto":
            self.measure_accuracy = labels
        else:
            names = [metrics] if isinstance(metrics, str) else list(metrics or [])
            unknown = [m for m in names if m != "accuracy"]
            if unknown:
                raise ValueError(f"unknown metric {unknown[0]!r}; the one metric is 'accuracy'")
            self.measure_accuracy = "accuracy" in names
            if self.measure_accuracy and not labels:
                raise ValueError(
                    "accuracy needs class labels as targets (0/1 or -1/+1 for one output, "
                    "a class index for several); these targets look like regression values"
                )
        self.threshold = _threshold(self.name, targets)
        # named losses other than cross_entropy compare outputs with targets
        # element by element: a class index becomes a one-hot list for them
        builtin = any(self.function is f for f in LOSSES.values())
        self.one_hot = builtin and self.name != "cross_entropy"

    def example_loss(self, prediction: Any, target: Any) -> Value:
        """The loss of one example."""
        if (
            self.one_hot
            and isinstance(prediction, list)
            and isinstance(target, int)
            and not isinstance(target, bool)
        ):
            target = _one_hot(target, len(prediction))
        return self.function(prediction, target)

    def cost(self, model: Any, predictions: list[Any], targets: Sequence[Any]) -> Value:
        """Mean per-example loss, plus the regularization term."""
        terms = [self.example_loss(p, t) for p, t in zip(predictions, targets)]
        total = sum_values(terms) / len(terms)
        if self.regularization is not None:
            total = total + self.regularization(model)
        return total

    def correct(self, predictions: list[Any], targets: Sequence[Any]) -> int:
        """How many predictions match their labels."""
        return sum(_is_correct(_data(p), t, self.threshold) for p, t in zip(predictions, targets))


def _n_outputs(model: Any) -> int | None:
    """The model's number of outputs (``nout``), if it says."""
    n = getattr(model, "nout", None)
    return int(n) if isinstance(n, numbers.Integral) else None  # (a numpy integer too)


def _check_dataset(X: Sequence[Any], y: Sequence[Any], what: str) -> tuple[list, list]:
    """``X`` and ``y`` as lists of the same, non-zero length."""
    if isinstance(X, str) or not hasattr(X, "__len__") or not hasattr(y, "__len__"):
        raise TypeError(f"{what}: X and y must be lists (examples and their targets)")
    X = list(X)
    # numpy scalars and rows become Python numbers and lists (class indices must be ints)
    y = [t.tolist() if hasattr(t, "tolist") else t for t in y]
    if len(X) != len(y):
        raise ValueError(f"{what}: {len(X)} examples in X but {len(y)} targets in y")
    for t in y:
        if isinstance(t, (str, bytes)):
            raise TypeError(
                f"{what}: targets must be numbers (class indices, 0/1 or -1/+1 labels, or "
                f"values), got the string {t!r}; turn class names into indices first, "
                "e.g. [names.index(label) for label in y]"
            )
    if not X:
        raise ValueError(f"{what}: the dataset is empty")
    return X, y


# -- inference ---------------------------------------------------------------------


def predict(model: Callable[[Any], Any], X: Sequence[Any]) -> list[Any]:
    """The model's outputs on every example, as numbers, computed under ``no_grad()``.

    A float per example for a model with one output, a list of floats for
    several.

    >>> from nn.modules import Neuron
    >>> neuron = Neuron(2, activation="linear", seed=0)
    >>> neuron.w[0].data, neuron.w[1].data = 1.0, 1.0
    >>> predict(neuron, [[2.0, 3.0], [1.0, -1.0]])
    [5.0, 0.0]
    """
    with no_grad():
        return [_data(model(x)) for x in X]


def evaluate(
    model: Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFunction = "mse",
    regularization: Regularization | None = None,
) -> tuple[float, float | None]:
    """``(loss, accuracy)`` of the model on a dataset, under ``no_grad()``.

    The loss is the mean per-example loss plus ``regularization(model)``;
    the accuracy is ``None`` when the targets are not class labels.
    """
    X, y = _check_dataset(X, y, "evaluate")
    objective = _Objective(loss, y, regularization, "auto", _n_outputs(model))
    with no_grad():
        predictions = [model(x) for x in X]
        cost = objective.cost(model, predictions, y).data
        if not objective.measure_accuracy:
            return cost, None
        return cost, objective.correct(predictions, y) / len(y)


def accuracy(
    model: Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFunction = "mse",
) -> float:
    """The fraction of examples the model classifies correctly (under ``no_grad()``).

    One output: prediction and label on the same side of the threshold
    (0 for ``loss="hinge"``/logits or labels -1/+1; 0.5 for probabilities or
    labels 0/1). Several outputs: the largest output is the labelled class.

    >>> from nn.modules import Neuron
    >>> neuron = Neuron(1, activation="linear", seed=0)
    >>> neuron.w[0].data = 1.0
    >>> accuracy(neuron, [[2.0], [-1.0], [0.5]], [1, -1, -1], loss="hinge")
    0.6666666666666666
    """
    X, y = _check_dataset(X, y, "accuracy")
    objective = _Objective(loss, y, None, ["accuracy"], _n_outputs(model))
    with no_grad():
        predictions = [model(x) for x in X]
    return objective.correct(predictions, y) / len(y)


# -- progress ----------------------------------------------------------------------


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where a widget progress bar can be drawn)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress_bar(epochs: int) -> Any:
    """A tqdm bar over the epochs, or ``None`` when tqdm is not installed.

    In a notebook with ipywidgets, ``tqdm.auto`` draws a widget; elsewhere
    the text bar goes to stderr.
    """
    try:
        if _in_notebook():
            import importlib.util

            if importlib.util.find_spec("ipywidgets") is not None:
                from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, desc="training", unit="epoch")


def _summary(history: History) -> dict[str, str]:
    """The latest value of every measured quantity, formatted for display."""
    short = {"accuracy": "acc", "val_accuracy": "val_acc"}
    return {short.get(key, key): f"{history[key][-1]:.4f}" for key in history.keys()}


# -- the training loop ------------------------------------------------------------


def _make_optimizer(model: Any, optimizer: Any, lr: Any) -> Any:
    """An optimizer object from a name (``"sgd"``, ``"adam"``) or the object itself."""
    from nn.optim import SGD, Adam

    if isinstance(optimizer, str):
        classes = {"sgd": SGD, "adam": Adam}
        key = optimizer.lower()
        if key not in classes:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; valid names: 'sgd', 'adam' "
                "(or pass an optimizer object, e.g. SGD(model.parameters(), lr=0.1))"
            )
        return classes[key](model.parameters(), lr=DEFAULT_LR[key] if lr is None else lr)
    if lr is not None:
        raise ValueError(
            "lr is given both to fit and to the optimizer object; set it on the optimizer only"
        )
    if not (callable(getattr(optimizer, "step", None)) and hasattr(optimizer, "zero_grad")):
        raise TypeError(
            "optimizer must be 'sgd', 'adam' or an object with step() and zero_grad(), "
            f"got {type(optimizer).__name__}"
        )
    owned = getattr(optimizer, "params", None)
    if owned is not None:
        mine = {id(p) for p in model.parameters()}
        if not any(id(p) in mine for p in owned):
            raise ValueError(
                "the optimizer holds none of this model's parameters; "
                "create it with optimizer = SGD(model.parameters(), lr=...)"
            )
    return optimizer


def _lr_hint(optimizer: Any) -> str:
    """A suggestion naming the optimizer's learning rate, if it has a number for one."""
    lr = getattr(optimizer, "lr", None)
    if isinstance(lr, int | float):
        return f"the learning rate (lr={lr:g}) is probably too high: try lr={lr / 10:g}"
    return "the learning rate is probably too high: try a smaller one"


def fit(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFunction = "mse",
    optimizer: Any = "sgd",  # pragma: no mutate ("SGD" too: the name is read lower-case)
    lr: Any = None,
    epochs: int = 10,
    batch_size: int | None = None,
    validation_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    progress: bool = True,
    regularization: Regularization | None = None,
    metrics: str | Sequence[str] | None = "auto",
    on_epoch_end: Callable[[int, History], object] | None = None,
    record: bool = False,
    compile: bool = False,  # (shadows the builtin compile inside fit only)
) -> History:
    r"""Train ``model`` on examples ``X`` with targets ``y``; return the ``History``.

    * ``loss``: a name from ``nn.LOSSES`` (``"mse"``, ``"hinge"``,
      ``"cross_entropy"``, ``"binary_cross_entropy"``, ...) or a function
      ``(prediction, target) -> Value`` for one example. A class index as the
      target of a several-output model is one-hot encoded for the
      element-wise named losses (``mse`` etc.); ``cross_entropy`` takes it as is.
    * ``optimizer``: ``"sgd"`` or ``"adam"`` (with ``lr``, default
      ``DEFAULT_LR``; a number or a schedule ``step -> lr``), or an optimizer
      object such as ``SGD(model.parameters(), lr=0.1)``.
    * ``epochs``: passes over the data; ``batch_size``: ``None`` for
      full-batch gradient descent, else mini-batches of that size (the last
      one smaller when it does not divide the data).
    * ``shuffle``: a new random order every epoch, from ``random.Random(seed)``
      (the same ``seed`` trains the same way twice).
    * ``regularization``: a function ``model -> Value`` added to every batch
      cost, e.g. micrograd's ``lambda m: 1e-4 * sum(p * p for p in m.parameters())``.
      It is included in the reported ``loss`` and ``val_loss``.
    * ``validation_data``: ``(X_val, y_val)``, scored after every epoch under
      ``no_grad()`` (no graph is built, the parameters do not change).
    * ``metrics``: ``"auto"`` measures accuracy when the targets are class
      labels; ``["accuracy"]`` insists on it, ``None`` skips it.
    * ``progress``: a tqdm progress bar (on stderr) showing the epoch, loss
      and accuracy. Without tqdm installed, a plain line is printed to stdout
      every few epochs instead (``pip install tqdm`` for the bar).
      ``progress=False`` prints nothing.
    * ``on_epoch_end(epoch, history)``: called after every epoch (``epoch``
      counts from 1); returning ``True`` stops training early.
    * ``record``: keep every parameter's value after each epoch and its
      gradient in each epoch in ``history.record`` (a ``TrainingRecord``,
      8 bytes a number), for ``history.explore()``, the training time machine.
    * ``compile``: run each batch's forward and backward passes as code that
      ``engine.compile`` writes out (``nn.compiled``): the same ``History`` and
      the same weights, bit for bit, several times faster. A model or loss it
      cannot compile (a ``custom_op``, code that reads ``.data``) trains
      eagerly, with a warning.

    Raises ``NonFiniteLossError`` (an ``ArithmeticError``) when the model's
    output, the cost, a gradient or an updated parameter is ``nan``/``inf``;
    the model keeps the parameters from before that step, and an optimizer
    with ``state_dict()``/``load_state_dict()`` (``SGD``, ``Adam``) its state
    from before it. A validation output that is ``nan``/``inf`` is recorded
    as a ``nan`` ``val_loss``.
    """
    if not callable(getattr(model, "parameters", None)):
        raise TypeError(
            "fit: the model must have parameters() (the Values it learns), e.g. an MLP or a "
            f"Module of your own; got {type(model).__name__}"
        )
    X, y = _check_dataset(X, y, "fit")
    epochs = _positive_int(epochs, "epochs", "")
    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size", " or None (full batch)")
    objective = _Objective(loss, y, regularization, metrics, _n_outputs(model))
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, y_val)")
        X_val, y_val = _check_dataset(*validation_data, "fit validation_data")
    optimizer = _make_optimizer(model, optimizer, lr)
    _warn_about_softmax_with_cross_entropy(model, objective.name)

    named_params = _named_parameters(model, optimizer)
    compiled = None
    if compile:
        from nn.compiled import CompiledBatches

        compiled = CompiledBatches(model, objective, y)
    size = len(X) if batch_size is None else min(batch_size, len(X))
    n_batches = math.ceil(len(X) / size)
    order = list(range(len(X)))
    rng = random_source(seed)
    history = History()
    if record:
        threshold = objective.threshold if objective.measure_accuracy else None
        history.record = TrainingRecord(model, named_params, X, y, threshold)
    bar = _progress_bar(epochs) if progress else None
    print_every = max(1, epochs // 20)  # the plain-text fallback prints about 20 lines
    try:
        for epoch in range(1, epochs + 1):
            if shuffle:
                rng.shuffle(order)
            loss_sum, correct = 0.0, 0
            for batch in range(1, n_batches + 1):
                indices = order[(batch - 1) * size : batch * size]
                targets = [y[i] for i in indices]
                try:
                    cost, predictions = _gradient_step(
                        model,
                        objective,
                        optimizer,
                        named_params,
                        [X[i] for i in indices],
                        targets,
                        compiled,
                    )
                except _Diverged as failure:
                    hint = failure.hint or _lr_hint(optimizer)
                    raise NonFiniteLossError(
                        f"{failure.args[0]} in epoch {epoch}/{epochs}, batch {batch}/{n_batches}; "
                        "training stopped and the model keeps its parameters from before this "
                        f"step. {hint[0].upper()}{hint[1:]}.",
                        epoch,
                        batch,
                        failure.value,
                        history,
                    ) from failure.__cause__
                loss_sum += cost * len(indices)
                if objective.measure_accuracy:
                    correct += objective.correct(predictions, targets)
            history.loss.append(loss_sum / len(X))
            if objective.measure_accuracy:
                history.accuracy.append(correct / len(X))
            if validation_data is not None:
                with no_grad():
                    predictions = [model(x) for x in X_val]
                    if _non_finite_output(predictions) is None:
                        history.val_loss.append(objective.cost(model, predictions, y_val).data)
                    else:  # a measurement, not a step: recorded as nan (some losses refuse nan)
                        history.val_loss.append(math.nan)
                    if objective.measure_accuracy:
                        history.val_accuracy.append(
                            objective.correct(predictions, y_val) / len(y_val)
                        )
            if history.record is not None:
                history.record.add_epoch()
            if bar is not None:
                bar.set_postfix(_summary(history), refresh=False)
                bar.update(1)
            elif progress and (epoch % print_every == 0 or epoch == epochs):
                shown = ", ".join(f"{k} {v}" for k, v in _summary(history).items())
                print(f"epoch {epoch}/{epochs}: {shown}")
            if on_epoch_end is not None and on_epoch_end(epoch, history) is True:
                break
    finally:
        if bar is not None:
            bar.close()
    return history


class _Diverged(Exception):
    """Internal: a step met a non-finite number; ``fit`` adds the epoch and batch.

    ``hint`` says what to do, when it is not the usual "lower the learning rate".
    """

    def __init__(self, message: str, value: float, hint: str = "") -> None:
        super().__init__(message)
        self.value = value
        self.hint = hint


def _positive_int(value: Any, name: str, alternative: str) -> int:
    """``value`` (an int or a numpy integer) as a positive int, or a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int{alternative}, got {value!r}")
    return int(value)


def _named_parameters(model: Any, optimizer: Any) -> list[tuple[str, Value]]:
    """Every Value a step may change, with a name: the model's, then any other the optimizer holds.

    From ``named_parameters()`` when the model has it; each Value once.
    """
    if hasattr(model, "named_parameters"):
        named = list(model.named_parameters())
    else:
        named = [(f"parameter {i}", p) for i, p in enumerate(model.parameters())]
    listed = {id(p) for _, p in named}
    for i, p in enumerate(getattr(optimizer, "params", None) or ()):
        if isinstance(p, Value) and id(p) not in listed:
            listed.add(id(p))
            named.append((f"optimizer parameter {i}", p))
    return named


def _check_outputs(predictions: list[Any], inputs: list[Any]) -> None:
    """Raise ``_Diverged`` if a model output is ``nan``/``inf`` (saying so if an input is too)."""
    bad_output = _non_finite_output(predictions)
    if bad_output is not None:
        bad_input = _non_finite_output(inputs)
        hint = "" if bad_input is None else f"an input example contains {bad_input}: check X"
        raise _Diverged(f"the model's output became {bad_output}", bad_output, hint)


def _non_finite_output(predictions: list[Any]) -> float | None:
    """The first ``nan`` or ``inf`` among the model's outputs (or inputs), or ``None``."""
    for prediction in predictions:
        outputs = prediction if isinstance(prediction, (list, tuple)) else (prediction,)
        for output in outputs:
            number = output.data if isinstance(output, Value) else output
            if isinstance(number, float) and not math.isfinite(number):
                return number
    return None


def _gradient_step(
    model: Any,
    objective: _Objective,
    optimizer: Any,
    named_params: list[tuple[str, Value]],
    inputs: list[Any],
    targets: list[Any],
    compiled: Any = None,
) -> tuple[float, list[Any]]:
    """One step of gradient descent on one batch; returns the batch cost and the predictions.

    forward -> check the cost -> backward -> check the gradients -> update
    -> check the parameters (undoing the update if one is not finite).
    Raises ``_Diverged`` at the first non-finite number, so no parameter is
    ever left ``nan`` or ``inf``. ``compiled`` (``nn.compiled.CompiledBatches``)
    does the forward and backward passes in one go, where it can.
    """
    optimizer.zero_grad()
    try:
        done = compiled(inputs, targets) if compiled is not None else None
        if done is None:
            predictions = [model(x) for x in inputs]
            _check_outputs(predictions, inputs)  # before the loss, which may refuse them
            graph = objective.cost(model, predictions, targets)
            cost = graph.data
        else:  # forward and backward passes done, outputs checked (gradients untouched if not)
            graph, (cost, predictions) = None, done
    except OverflowError as error:
        raise _Diverged(f"the loss overflowed ({error})", math.inf) from error
    except InfiniteLossError as error:  # e.g. a saturated sigmoid under binary cross-entropy
        raise _Diverged(f"the loss became infinite ({error})", math.inf) from error
    if not math.isfinite(cost):
        raise _Diverged(f"the loss became {cost}", cost)
    if graph is not None:
        graph.backward()
    for name, p in named_params:
        if not math.isfinite(p.grad):
            raise _Diverged(f"the gradient of {name} became {p.grad}", p.grad)
    before = [p.data for _, p in named_params]
    saved = optimizer.state_dict() if hasattr(optimizer, "load_state_dict") else None
    optimizer.step()
    for name, p in named_params:
        if not math.isfinite(p.data):
            value = p.data
            for (_, q), old in zip(named_params, before):
                q.data = old  # undo the whole step: the parameters,
            if saved is not None:
                optimizer.load_state_dict(saved)  # and the step count, momentum, moments
            raise _Diverged(f"the update made {name} {value}", value)
    return cost, predictions


def _warn_about_softmax_with_cross_entropy(model: Any, loss_name: str) -> None:
    """Warn when a softmax output layer meets ``cross_entropy`` (which applies its own)."""
    last = model
    while getattr(last, "layers", None):  # the last layer, inside stacks of stacks too
        last = last.layers[-1]
    if loss_name == "cross_entropy" and getattr(last, "activation", None) == "softmax":
        import warnings

        warnings.warn(
            "the model ends in a softmax layer, but cross_entropy expects raw scores "
            "(it applies log-softmax itself): use a linear output layer with "
            "cross_entropy, or keep the softmax and use loss='mse'",
            stacklevel=3,
        )


__all__ = [
    "DEFAULT_LR",
    "History",
    "NonFiniteLossError",
    "accuracy",
    "evaluate",
    "fit",
    "predict",
]
