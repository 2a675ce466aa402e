"""``python -m emgspasm``: the same as the ``emgspasm`` command."""

from .cli import main

raise SystemExit(main())
