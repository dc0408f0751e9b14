"""pyspark.SparkContext (PySpark 3.5 API reference: pyspark.SparkContext)."""
from _stub import record


class SparkContext:
    __slots__ = ()

    def __init__(self, master=None, appName=None, sparkHome=None, pyFiles=None, environment=None, batchSize=0, serializer=None, conf=None, gateway=None, jsc=None, profiler_cls=None, udf_profiler_cls=None, memory_profiler_cls=None):
        record("SparkContext", "__init__")
