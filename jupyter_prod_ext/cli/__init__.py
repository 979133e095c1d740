"""The ``jupyter-prod`` command line: one module a subcommand."""
