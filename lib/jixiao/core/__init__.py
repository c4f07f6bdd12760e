"""core: paths, atomic writes, messages in two languages, problems, periods, units, the version.

Imports the standard library only; every other package may import it.
"""
