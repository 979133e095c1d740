"""Give notebooks the metadata the demo's kernel writes: its kernelspec and its language_info.

JupyterLab writes both into an open notebook as soon as its kernel starts; a notebook that
carried other values (the kernel's display name, the Python version) showed as changed at once,
before the user did anything. Run with the demo's Python (``.venv/bin/python``): its ipykernel
and its ``python3`` kernelspec are those of the kernel JupyterLab starts.

    .venv/bin/python scripts/demo_kernel_metadata.py NOTEBOOK...
"""

from __future__ import annotations

import sys
from typing import Any

import nbformat
from ipykernel.ipkernel import IPythonKernel
from jupyter_client.kernelspec import KernelSpecManager


def kernel_metadata() -> dict[str, Any]:
    """The notebook metadata JupyterLab writes when this Python's ``python3`` kernel starts."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    return {
        "kernelspec": {"display_name": spec.display_name, "language": spec.language, "name": "python3"},
        "language_info": dict(IPythonKernel.language_info),
    }


def stamp(path: str) -> None:
    """Write the kernel's metadata into the notebook at ``path`` (as JupyterLab saves it)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.update(kernel_metadata())
    nbformat.write(notebook, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        stamp(name)
