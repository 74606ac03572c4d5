"""``python -m warehouse.cli``: the same as the ``warehouse`` console script."""

import sys

from warehouse.cli.main import main

sys.exit(main())
