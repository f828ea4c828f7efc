"""``python -m calcai`` is the ``calcai`` command."""

import sys

from .cli import main

sys.exit(main())
