"""pyspark.sql: the package; `functions` is imported as a module."""
