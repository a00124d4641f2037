"""``python -m service.cli``: the ``bonemet`` command."""

import sys

from . import main

sys.exit(main())
