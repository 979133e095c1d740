"""``python -m jupyter_prod_ext``: the same CLI as ``jupyter-prod``."""

from .cli.main import main

raise SystemExit(main())
