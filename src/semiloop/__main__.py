"""``python -m semiloop``: the same command line as the ``semiloop`` script."""

from semiloop.cli import main

if __name__ == "__main__":
    main()
