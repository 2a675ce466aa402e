"""``python -m emgspasm``: the same as the ``emgspasm`` command."""

from .apps.cli import main

raise SystemExit(main())
