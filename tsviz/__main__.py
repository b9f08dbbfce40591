"""``python -m tsviz``: the command-line interface (see :mod:`tsviz.cli`)."""
import sys

from tsviz.cli import main

sys.exit(main())
