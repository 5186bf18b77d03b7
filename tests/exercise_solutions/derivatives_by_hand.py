"""Reference solution of notebooks/exercises/01_derivatives_by_hand.ipynb.

The section below replaces the cell tagged ``solution`` (id ``answers``).
"""

# %% answers
answers_a = {"d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}
answers_b = {
    "n": 0.5,
    "b": 0.5,
    "s": 0.5,
    "x1w1": 0.5,
    "x2w2": 0.5,
    "x1": -1.5,
    "w1": 1.0,
    "x2": 0.5,
    "w2": 0.0,
}
answers_c = {"u": 1.0, "v": 1.0, "x": 9.0}
