"""`python -m promptpro` is the `promptpro` command."""

from promptpro.cli import main

main()
