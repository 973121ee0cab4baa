"""negsim's figures, one module per subject, and the one way to save a figure.

* :mod:`negsim.figures.convergence`: the gap per issue over one run (``negsim run --out``,
  the app, ``negsim reproduce``);
* :mod:`negsim.figures.compare`: two runs of one scenario overlaid, the drivers under the
  gaps, and their outcomes side by side (``negsim compare``, the app's Compare and debrief);
* :mod:`negsim.figures.findings`: the figures of ``negsim reproduce``;
* :mod:`negsim.figures.sweeps`: the figures of ``negsim plot``;
* :mod:`negsim.figures.validation`: the figure of ``negsim validate``;
* :mod:`negsim.figures.uncertainty`: when replications agree (the app's *How sure?*,
  ``negsim plot --kind dates``), and the figures of ``negsim sensitivity``, ``calibrate`` and
  ``discover``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def save_figure(fig: Any, path: Path) -> None:
    """Write a figure atomically (negsim's one writer, :mod:`negsim.results_files`) and close it."""
    from negsim.results_files import figure_writer, write_file

    write_file(path, figure_writer(fig, fmt=path.suffix.lstrip(".") or "png"))
