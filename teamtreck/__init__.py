"""The `teamtreck` command: one launcher that composes the parts' own CLIs.

It is the only module allowed to name every part, and it loads a part only when its subcommand
runs, so `teamtreck collector …` on an employee's machine never imports the server side.
"""
