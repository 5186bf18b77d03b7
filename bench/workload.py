r"""The benchmark's workload: micrograd's demo step, written five ways (and batched in PyTorch).

The problem (micrograd's ``demo.ipynb``): an ``MLP(2, [16, 16, 1])`` with
ReLU hidden layers classifies 100 "two moons" points with labels $\pm 1$.
The loss is the mean hinge loss plus an L2 penalty,

$$L = \frac{1}{n} \sum_i \max(0,\ 1 - y_i s_i) + 10^{-4} \sum_p p^2,$$

where $s_i$ is the network's score for point $i$. One *step* is a full-batch
SGD step: forward (build the graph), ``zero_grad``, ``backward``, and the
update $p \leftarrow p - \eta\, \partial L / \partial p$.

The same step is implemented

* with chainrule's ``nn`` (``ChainruleStep``), and with the same graph
  built by ``engine`` calls alone (``EngineStep``),
* with ``engine.compile`` (``CompiledChainruleStep``): the same loss, traced
  once and written out as straight-line Python,
* with micrograd 0.1.0 exactly as its demo writes it (``MicrogradStep``),
* by hand with plain floats: a forward pass and a hand-derived backward pass,
  no graph at all (``FloatStep``),
* for the scaling table only, batched in PyTorch float64 (``TorchStep``): the
  whole batch as matrix products, the way ``nn.to_torch`` runs a model.

All of them start from the *same* weights (chainrule's, copied), so they compute
the same loss and gradients; ``tests/test_speed_invariants.py`` checks that.
"""

from __future__ import annotations

from operator import mul

import engine
from engine import Value, sum_values, weighted_sums
from nn import MLP
from nn.data import make_moons, to_signed_labels
from nn.losses import hinge
from nn.optim import SGD

SIZES = (2, 16, 16, 1)
"""Layer widths: 2 inputs, two hidden layers of 16 ReLU units, 1 linear output."""

ALPHA = 1e-4
"""Weight of the L2 penalty."""

LEARNING_RATE = 0.01
"""The learning rate of the timed step (small, so that a timed step barely moves the weights)."""

DEMO_STEPS = 100
"""How long micrograd's demo trains: 100 steps, at the learning rate ``demo_learning_rate(k)``."""

Weights = list[list[tuple[list[float], float]]]
"""``weights[layer][neuron] == (w, b)``: a neuron's input weights and bias, as floats."""


def make_problem(n: int = 100, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """``n`` two-moons points and their labels as floats $\\pm 1$ (the demo uses noise 0.1)."""
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, [float(label) for label in to_signed_labels(y)]


def demo_learning_rate(k: int) -> float:
    """The demo's schedule: from 1.0 at step 0 down to 0.1 at step 100."""
    return 1.0 - 0.9 * k / DEMO_STEPS


def trained_weights(
    weights: Weights, X: list[list[float]], y: list[float], steps: int = DEMO_STEPS
) -> Weights:
    """The weights after micrograd's demo training run (``steps`` full-batch SGD steps).

    Run with the float version: the same arithmetic as every other version
    (``tests/test_speed_invariants.py`` checks it), and the quickest.
    """
    model = FloatStep(weights, X, y)
    for k in range(steps):
        model.step(demo_learning_rate(k))
    return model.weights()


def model_weights(model: MLP) -> Weights:
    """A chainrule ``MLP``'s weights and biases as floats, to copy into the other versions."""
    return [
        [([w.data for w in neuron.w], neuron.b.data) for neuron in layer.neurons]
        for layer in model.layers
    ]


def copy_weights_into(model: object, weights: Weights) -> None:
    """Set a chainrule or micrograd ``MLP``'s parameters (both use the same names) from floats."""
    for layer, layer_weights in zip(model.layers, weights, strict=True):
        for neuron, (ws, b) in zip(layer.neurons, layer_weights, strict=True):
            for p, w in zip(neuron.w, ws, strict=True):
                p.data = w
            neuron.b.data = b


# -- chainrule ----------------------------------------------------------------


class ChainruleStep:
    """The demo step with chainrule's ``nn``: ``MLP``, ``hinge``, ``SGD``.

    Each neuron is one ``weighted_sum`` node and one ``relu`` node.
    """

    def __init__(
        self,
        X: list[list[float]],
        y: list[float],
        seed: int = 1337,
        lr: float = LEARNING_RATE,
        sizes: tuple[int, ...] = SIZES,
    ) -> None:
        self.model = MLP(sizes[0], list(sizes[1:]), seed=seed)
        self.params = self.model.parameters()
        self.optimizer = SGD(self.params, lr=lr)
        self.X, self.y = X, y

    def set_weights(self, weights: Weights) -> None:
        """Give the model these weights and biases."""
        copy_weights_into(self.model, weights)

    def loss(self) -> Value:
        scores = [self.model(x) for x in self.X]
        reg_loss = ALPHA * sum_values([p * p for p in self.params])
        return hinge(scores, self.y) + reg_loss

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        """The loss and $\\partial L / \\partial p$ for every parameter, without updating."""
        self.optimizer.zero_grad()
        total = self.loss()
        total.backward()
        return total.data, [p.grad for p in self.params]

    def step(self) -> float:
        """One SGD step: forward, zero_grad, backward, update. Returns the loss before it."""
        total = self.loss()
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()
        return total.data


class EngineStep(ChainruleStep):
    """The same step with the network's forward pass written with ``engine`` alone.

    Each layer is ``weighted_sums`` (one ``w·x+b`` node per neuron) then
    ``.relu()`` on each: the same parameters and the very same graph as
    ``ChainruleStep``, without the ``nn.Module`` calls. The difference
    between the two timings is what the convenience of ``nn`` costs.
    """

    def score(self, x: list[float]) -> Value:
        layers = self.model.layers
        h = [Value(coordinate) for coordinate in x]
        for i, layer in enumerate(layers):
            neurons = layer.neurons
            h = weighted_sums([n.w for n in neurons], h, [n.b for n in neurons])
            if i < len(layers) - 1:
                h = [z.relu() for z in h]
        return h[0]

    def loss(self) -> Value:
        scores = [self.score(x) for x in self.X]
        reg_loss = ALPHA * sum_values([p * p for p in self.params])
        return hinge(scores, self.y) + reg_loss


class CompiledChainruleStep(ChainruleStep):
    """The same step with ``engine.compile``: ``per_example`` is one point's hinge term.

    The compiled step gives the very floats of ``ChainruleStep`` (the tests
    check it): $L = \\frac{1}{n}\\sum_i \\max(0, 1 - y_i s_i) + R$ with the L2
    penalty $R$ as ``extra``. ``compile()`` makes a fresh, untraced step, to
    time the first call (tracing, writing the code, compiling it).
    """

    def __init__(self, X: list[list[float]], y: list[float], **kwargs: object) -> None:
        super().__init__(X, y, **kwargs)  # type: ignore[arg-type]
        self.compiled = self.compile()

    def compile(self) -> engine.CompiledStep:
        model, params = self.model, self.params

        def hinge_term(x: list[Value], label: Value) -> Value:
            return (1 - label * model(x)).relu()

        return engine.compile(
            hinge_term, params, extra=lambda: ALPHA * sum_values([p * p for p in params])
        )

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        self.optimizer.zero_grad()
        loss = self.compiled(self.X, self.y)
        return loss, [p.grad for p in self.params]

    def step(self) -> float:
        """One SGD step: zero_grad, the compiled forward and backward passes, update."""
        self.optimizer.zero_grad()
        loss = self.compiled(self.X, self.y)
        self.optimizer.step()
        return loss


# -- micrograd 0.1.0, as its demo writes it ------------------------------------


class MicrogradStep:
    """The demo step with micrograd 0.1.0, written as in its ``demo.ipynb``."""

    def __init__(self, weights: Weights, X: list[list[float]], y: list[float]) -> None:
        from micrograd.nn import MLP  # optional: bench.py explains how to install it

        sizes = [len(weights[0][0][0])] + [len(layer) for layer in weights]
        self.model = MLP(sizes[0], sizes[1:])
        self.set_weights(weights)
        self.X, self.y = X, y

    def set_weights(self, weights: Weights) -> None:
        """Give the model these weights and biases."""
        copy_weights_into(self.model, weights)

    def loss(self):  # -> micrograd.engine.Value
        from micrograd.engine import Value as MicrogradValue

        inputs = [list(map(MicrogradValue, xrow)) for xrow in self.X]
        scores = list(map(self.model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(self.y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in self.model.parameters())
        return data_loss + reg_loss

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        self.model.zero_grad()
        total = self.loss()
        total.backward()
        return total.data, [float(p.grad) for p in self.model.parameters()]

    def step(self, lr: float = LEARNING_RATE) -> float:
        """One SGD step as the demo writes it. Returns the loss before it."""
        total = self.loss()
        self.model.zero_grad()
        total.backward()
        for p in self.model.parameters():
            p.data -= lr * p.grad
        return total.data


# -- plain floats, backward derived by hand --------------------------------------


class FloatStep:
    r"""The demo step with plain floats: no graph, the backward pass written by hand.

    Forward, for each point and layer $l$: $z^l = W^l h^{l-1} + b^l$,
    $h^l = \operatorname{relu}(z^l)$ (the last layer stays linear), $s = z^L$.

    Backward, with $g = \partial L / \partial z$ of the current layer:

    * output: $g = -y/n$ if $1 - y s > 0$, else 0 (the hinge);
    * $\partial L / \partial W_{jk} \mathrel{+}= g_j h_k$,
      $\partial L / \partial b_j \mathrel{+}= g_j$;
    * $\partial L / \partial h_k = \sum_j g_j W_{jk}$, then through the ReLU:
      $g_k = \partial L / \partial h_k$ where $z_k > 0$, else 0;
    * the L2 penalty adds $2 \alpha p$ to every parameter's gradient.
    """

    def __init__(self, weights: Weights, X: list[list[float]], y: list[float]) -> None:
        self.set_weights(weights)
        self.X, self.y = X, y

    def set_weights(self, weights: Weights) -> None:
        """Copies of these weights and biases (the caller's lists stay untouched)."""
        self.w = [[list(ws) for ws, _ in layer] for layer in weights]
        self.b = [[b for _, b in layer] for layer in weights]

    def weights(self) -> Weights:
        """The current weights and biases, as ``model_weights`` gives them."""
        return [
            [(list(ws), b) for ws, b in zip(layer_w, layer_b, strict=True)]
            for layer_w, layer_b in zip(self.w, self.b, strict=True)
        ]

    def gradients(self) -> tuple[float, list[list[list[float]]], list[list[float]]]:
        """The loss, $\\partial L / \\partial W$ and $\\partial L / \\partial b$."""
        W, B = self.w, self.b
        grad_w = [[[0.0] * len(ws) for ws in layer] for layer in W]
        grad_b = [[0.0] * len(layer) for layer in B]
        n = len(self.X)
        last = len(W) - 1
        columns = [list(zip(*layer_w, strict=True)) for layer_w in W]
        data_loss = 0.0
        for x, label in zip(self.X, self.y, strict=True):
            # forward, keeping each layer's input h and pre-activation z
            h, layer_inputs, pre_activations = x, [], []
            for i, (layer_w, layer_b) in enumerate(zip(W, B, strict=True)):
                z = [sum(map(mul, ws, h), b) for ws, b in zip(layer_w, layer_b, strict=True)]
                layer_inputs.append(h)
                pre_activations.append(z)
                h = [zj if zj > 0 else 0.0 for zj in z] if i < last else z
            margin = 1.0 - label * h[0]
            if margin <= 0:
                continue  # relu(margin) = 0: this point adds nothing, not even gradient
            data_loss += margin
            # backward: g = dL/dz for the current layer
            g = [-label / n]
            for i in range(last, -1, -1):
                if i < last:
                    g = [
                        gj if zj > 0 else 0.0 for gj, zj in zip(g, pre_activations[i], strict=True)
                    ]
                h = layer_inputs[i]
                for gj, row in zip(g, grad_w[i], strict=True):
                    row[:] = [r + gj * hk for r, hk in zip(row, h, strict=True)]
                grad_b[i][:] = [gb + gj for gb, gj in zip(grad_b[i], g, strict=True)]
                if i > 0:  # dL/dh = W^T g, one column of W per input
                    g = [sum(map(mul, g, column)) for column in columns[i]]
        # the L2 penalty: alpha * p^2 adds 2 * alpha * p to each gradient
        reg_loss = 0.0
        for layer_w, layer_b, layer_gw, layer_gb in zip(W, B, grad_w, grad_b, strict=True):
            for j, (ws, gws) in enumerate(zip(layer_w, layer_gw, strict=True)):
                reg_loss += sum(w * w for w in ws) + layer_b[j] * layer_b[j]
                gws[:] = [gw + 2 * ALPHA * w for gw, w in zip(gws, ws, strict=True)]
                layer_gb[j] += 2 * ALPHA * layer_b[j]
        return data_loss / n + ALPHA * reg_loss, grad_w, grad_b

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        """The loss and the gradients in ``model.parameters()`` order (per neuron: w, then b)."""
        loss, grad_w, grad_b = self.gradients()
        flat = [
            g
            for layer_gw, layer_gb in zip(grad_w, grad_b, strict=True)
            for gws, gb in zip(layer_gw, layer_gb, strict=True)
            for g in (*gws, gb)
        ]
        return loss, flat

    def step(self, lr: float = LEARNING_RATE) -> float:
        """One SGD step on the float weights. Returns the loss before it."""
        loss, grad_w, grad_b = self.gradients()
        for layer_w, layer_b, layer_gw, layer_gb in zip(
            self.w, self.b, grad_w, grad_b, strict=True
        ):
            for j, (ws, gws) in enumerate(zip(layer_w, layer_gw, strict=True)):
                ws[:] = [w - lr * gw for w, gw in zip(ws, gws, strict=True)]
                layer_b[j] -= lr * layer_gb[j]
        return loss


# -- batched PyTorch float64, for the scaling table --------------------------------


class TorchStep:
    """The same step on the whole batch at once, in PyTorch float64: matrix products.

    ``h = relu(h @ W.T + b)`` per layer, the hinge and L2 terms as tensor
    sums, ``loss.backward()``, then ``p -= lr * p.grad``: what a model from
    ``nn.to_torch`` does. (torch is imported here: only the scaling table needs it.)
    """

    def __init__(self, weights: Weights, X: list[list[float]], y: list[float]) -> None:
        import torch

        self.torch = torch
        self.X = torch.tensor(X, dtype=torch.float64)
        self.y = torch.tensor(y, dtype=torch.float64)
        self.set_weights(weights)

    def set_weights(self, weights: Weights) -> None:
        torch = self.torch
        self.layers = [
            (
                torch.tensor([ws for ws, _ in layer], dtype=torch.float64, requires_grad=True),
                torch.tensor([b for _, b in layer], dtype=torch.float64, requires_grad=True),
            )
            for layer in weights
        ]

    def step(self, lr: float = LEARNING_RATE) -> float:
        h = self.X
        for i, (W, b) in enumerate(self.layers):
            h = h @ W.T + b
            if i < len(self.layers) - 1:
                h = self.torch.relu(h)
        data_loss = self.torch.relu(1 - self.y * h[:, 0]).mean()
        reg_loss = ALPHA * sum((W * W).sum() + (b * b).sum() for W, b in self.layers)
        loss = data_loss + reg_loss
        loss.backward()
        with self.torch.no_grad():
            for W, b in self.layers:
                W -= lr * W.grad
                b -= lr * b.grad
                W.grad = None
                b.grad = None
        return loss.item()
