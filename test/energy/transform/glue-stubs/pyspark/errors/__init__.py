"""pyspark.errors (PySpark 3.5 API reference: pyspark.errors.AnalysisException)."""


class PySparkException(Exception):
    pass


class AnalysisException(PySparkException):
    pass
