"""``python -m code_monet ...``: the ``code-monet`` command, for when the script is not on PATH."""

from code_monet.app.entry import main

if __name__ == "__main__":
    main()
