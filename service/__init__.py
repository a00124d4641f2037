"""bonemet-cds: clinical decision support for bone metastases.

Layers, each a sub-package, data flowing one way:

* ``calculators``: the Mirels and Rades scores (pure code over ``seeds/``).
* ``web`` / ``cli``: the doors (HTTP, command line).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bonemet-cds")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
