"""Reference solution of notebooks/exercises/04_bug_hunt.ipynb.

The section below replaces the cell tagged ``solution`` (id ``fixes``).
"""

# %% fixes
fix_a = ("other.grad = self.data * out.grad", "other.grad += self.data * out.grad")
fix_b = ("for v in topo:", "for v in reversed(topo):")
fix_c = (
    "self.grad += (out.data >= 0) * out.grad",
    "self.grad += (out.data > 0) * out.grad",
)
