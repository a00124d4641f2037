"""bonemet-cds: clinical decision support for bone metastases.

Layers, each a sub-package, data flowing one way:

* ``calculators``: the Mirels and Rades scores (pure code over ``seeds/``).
* ``web`` / ``cli``: the doors (HTTP, command line).
"""

from functools import cache


@cache
def _installed_version() -> str:
    # importlib.metadata costs ~25 ms: paid only by what asks for the version, not by `bonemet --help`.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bonemet-cds")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(name)
