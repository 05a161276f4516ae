"""factsheet: compile curated YAML facts that cite source articles into a verified static site."""

__version__ = "0.1.0"
