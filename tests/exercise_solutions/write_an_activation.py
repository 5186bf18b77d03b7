"""Reference solution of notebooks/exercises/03_write_an_activation.ipynb.

The section below replaces the cell tagged ``solution`` (id ``gelu``).
"""

# %% gelu
import math

from engine import Value, custom_op


def gelu(x: Value) -> Value:
    """GELU(x) = x Φ(x); its derivative is Φ(x) + x φ(x)."""
    cdf = 0.5 * (1.0 + math.erf(x.data / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * x.data**2) / math.sqrt(2.0 * math.pi)
    return custom_op(x.data * cdf, [x], [cdf + x.data * pdf], op="gelu")
