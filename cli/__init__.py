"""The ``celebclf`` command: one sub-module per subcommand."""
