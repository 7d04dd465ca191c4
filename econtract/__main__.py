"""``python -m econtract``: the same as the ``econtract`` command."""

import sys

from econtract.cli import main

sys.exit(main())
