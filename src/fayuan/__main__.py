"""`python -m fayuan`: the `fayuan` command line."""

import sys

from fayuan.cli import main

sys.exit(main())
