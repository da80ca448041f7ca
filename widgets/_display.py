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


def size_control(control: widgets.Widget, description_width: str = "16em",
                 field_width: str = "22em") -> None:
    """Give a form control room for its field next to a wide description: ipywidgets' default
    width (300px) less a 14-16em description left sliders no track and cut off dropdowns,
    combobox values and checkbox labels in JupyterLab (seen in the browser test)."""
    control.style.description_width = description_width
    control.layout.width = f"calc({description_width} + {field_width})"
