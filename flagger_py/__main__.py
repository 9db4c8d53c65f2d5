"""``python -m flagger_py`` is the ``flagger-py`` command."""

import sys

from flagger_py.cli import main

sys.exit(main())
