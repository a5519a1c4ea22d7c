"""Command groups of the `corridor` command line, one module per capability."""
