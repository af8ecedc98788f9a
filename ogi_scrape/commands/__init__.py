"""One module per CLI sub-command.

Each module defines ``COMMAND`` (the sub-command name), ``HELP`` (one line),
``configure(parser)`` and ``run(args) -> int``. ``ogi_scrape.cli`` discovers them,
so adding a command never means editing a shared dispatch table.
"""
