"""Showing a chart in an ipywidgets Output by replacing its outputs: no flicker, and no
kernel needed, so widgets can be driven from tests."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets


def show_chart(output: widgets.Output, chart: Any) -> None:
    """Make `chart` (anything with `_repr_mimebundle_`, e.g. an altair chart) the only thing
    `output` shows, in the MIME types the active renderer gives it."""
    bundle = chart._repr_mimebundle_()
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    data = {"text/plain": f"<{type(chart).__name__}>", **data}
    output.outputs = ({"output_type": "display_data", "data": data,
                       "metadata": metadata or {}},)
