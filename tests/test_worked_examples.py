"""nn.worked_examples: the acceptance numbers of the texts, as ``chainrule examples`` prints them.

``tests/golden/worked_examples.txt`` is the report as a learner reads it: each quantity named
as the text names it (``dE/dW_j1k2``, ``hidden 2, neuron 1: relu``) beside the text's number
and the engine's. A label that names the wrong weight would send a learner to the wrong line
of the text, so the whole report is compared. After a deliberate change, regenerate it with
``python -c "from nn.worked_examples import run_examples; run_examples()" >
tests/golden/worked_examples.txt`` (in a UTF-8 terminal) and read the diff.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nn import worked_examples
from nn.worked_examples import EXAMPLES, Check, run_examples

GOLDEN = Path(__file__).parent / "golden" / "worked_examples.txt"


class Utf8Terminal(io.StringIO):
    encoding = "utf-8"  # as sys.stdout says in a UTF-8 terminal


class AsciiTerminal(io.StringIO):
    encoding = "ascii"


def test_the_report_is_the_golden_one() -> None:
    out = Utf8Terminal()
    assert run_examples(out) == 0
    assert out.getvalue() == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("stream", [AsciiTerminal, io.StringIO])  # StringIO: no encoding
def test_a_terminal_without_the_check_marks_gets_plain_words(stream) -> None:
    out = stream()
    assert run_examples(out) == 0
    expected = GOLDEN.read_text(encoding="utf-8").replace("✓", "ok").replace("✗", "MISMATCH")
    assert out.getvalue() == expected


def test_run_examples_prints_to_stdout_by_default(capsys) -> None:
    assert run_examples() == 0
    assert capsys.readouterr().out.endswith("all 180 numbers match ✓\n")


def test_a_mismatch_is_counted_marked_and_summed_up(monkeypatch) -> None:
    monkeypatch.setattr(worked_examples, "RELU_INPUT_GRADS", (28.0, 57.0))
    monkeypatch.setattr(worked_examples, "PERCEPTRON_CASES", (((1.0, 1.0), 5.5),))
    out = AsciiTerminal()
    assert run_examples(out) == 2
    lines = out.getvalue().splitlines()
    marked = [line.split()[0] for line in lines[:-1] if line.endswith("  MISMATCH")]
    assert marked == ["d/dx2", "weights"]
    assert lines[-1] == "2 of 177 numbers do not match MISMATCH"
    marks = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # a terminal that prints ✓ and ✗
    assert run_examples(marks) == 2
    marks.seek(0)
    lines = marks.read().splitlines()
    assert [line.split()[0] for line in lines[:-1] if line.endswith("  ✗")] == ["d/dx2", "weights"]
    assert lines[-1] == "2 of 177 numbers do not match ✗"


def test_exact_examples_are_compared_exactly() -> None:
    """Integer results (the ReLU network, the perceptron, the step neuron) must match exactly,
    not to 12 digits: ``tolerance=None``."""
    exact = {"1.": None, "2.": None}
    for title, example in EXAMPLES:
        checks = example()
        if title[:2] in exact:
            assert all(check.tolerance is None for check in checks), title
        if title.startswith("6."):
            bits = [check for check in checks if check.what.startswith("step neuron")]
            assert len(bits) == 8 and all(check.tolerance is None for check in bits)
    assert not Check("x", 1.0, 1.0 + 2**-52, None).matches
    assert Check("x", 1.0, 1.0 + 2**-52).matches  # within the default 1e-12


def test_the_product_example_catches_an_error_that_does_not_shrink_like_u_squared(
    monkeypatch,
) -> None:
    """§6: the four-neuron product's error must shrink 100-fold when u shrinks 10-fold (5%)."""
    errors = iter([0.01, 0.01 / 90])  # shrinks 90-fold: 10% off

    def approximation(x: float, y: float, u: float):
        from engine import Value

        return Value(x * y + next(errors))

    monkeypatch.setattr(worked_examples, "_softplus_product", approximation)
    ratio = worked_examples._example_products()[-1]
    assert ratio.what == "error shrinks like u^2: ratio for u/10"
    assert ratio.engine == pytest.approx(90.0) and not ratio.matches


def test_a_check_with_the_default_tolerance_rejects_a_visible_difference() -> None:
    assert not Check("x", 1.0, 1.5).matches and not Check("x", 1.0, 1.0 + 1e-9).matches


def test_the_perceptron_labels_name_both_weights(monkeypatch) -> None:
    monkeypatch.setattr(worked_examples, "PERCEPTRON_CASES", (((2.0, 1.0), 7.0),))
    checks = worked_examples._example_perceptron()
    assert [c.what for c in checks] == [
        "weights 2, 1: output",
        "weights 2, 1: d/dw1 = x1",
        "weights 2, 1: d/dw2 = x2",
    ]
    assert all(c.matches for c in checks)


def test_a_stream_that_does_not_say_its_encoding_gets_plain_marks() -> None:
    class Lines:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> None:
            self.parts.append(text)

    out = Lines()
    assert run_examples(out) == 0
    assert "".join(out.parts).endswith("match ok\n")
