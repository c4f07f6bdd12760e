"""The library's version: it keys caches and run records, and ``jixiao --version`` prints it."""

__version__ = "0.1.0"
