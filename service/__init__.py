"""bonemet-cds: clinical decision support for bone metastases.

Layers, each a sub-package, data flowing one way:

* ``calculators``: the Mirels and Rades scores (pure code over ``seeds/``).
* ``web`` / ``cli``: the doors (HTTP, command line).
"""

# The one place the version is written: pyproject.toml reads it from here (``[tool.setuptools.dynamic]``), so
# the running code knows it without importlib.metadata (about 10 ms at every start of the command line).
__version__ = "0.1.0"
