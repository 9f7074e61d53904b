"""Tessera in JupyterLab: the server side of the lab extension (extension/ holds the TypeScript).

| module | what |
|---|---|
| handlers.py | the authenticated REST endpoints under `/tessera/` the side panel reads |
| nvml.py | the devices the server sees, through NVML (nvidia-ml-py) |
| kernelside.py | what the panel asks a running kernel: the kernels compiled there, a kernel's IR view |

The wheel ships the built extension under share/jupyter/labextensions/tessera and a
jupyter_server_config.d file that enables `tessera.labext` as a server extension,
so `pip install tessera` is the whole setup. Nothing heavy is imported here: the
kernel-side query imports this package inside a user's kernel.

Example::

    >>> import tessera.labext as labext
    >>> labext._jupyter_labextension_paths()[0]["dest"]
    'tessera'
    >>> labext._jupyter_server_extension_points()
    [{'module': 'tessera.labext'}]
"""


def _jupyter_labextension_paths():
    # `src` is relative to this module's package: the build hook writes the extension to tessera/labextension.
    return [{"src": "../labextension", "dest": "tessera"}]


def _jupyter_server_extension_points():
    return [{"module": "tessera.labext"}]


def _load_jupyter_server_extension(server_app):
    """Register the `/tessera/...` handlers with a running Jupyter server."""
    from .handlers import setup_handlers

    setup_handlers(server_app.web_app)
    server_app.log.info("tessera: registered the lab extension's endpoints under /tessera/")
