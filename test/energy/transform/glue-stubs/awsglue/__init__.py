"""Stub of AWS Glue's Python library (Glue 5.0): only the names generated scripts use."""
