"""Stub of PySpark 3.5: only the names generated Glue scripts use."""
