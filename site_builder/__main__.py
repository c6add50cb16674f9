"""`python -m site_builder` runs the command-line interface."""

from .cli import main

raise SystemExit(main())
