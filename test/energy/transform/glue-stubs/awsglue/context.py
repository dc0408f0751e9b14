"""awsglue.context.GlueContext (Glue docs: "GlueContext class"): constructor and spark_session."""
from _stub import record, require
from pyspark.context import SparkContext
from pyspark.sql.session import SparkSession


class GlueContext:
    __slots__ = ("_spark",)

    def __init__(self, sparkContext, **options):
        require(isinstance(sparkContext, SparkContext), "GlueContext takes a SparkContext")
        record("GlueContext", "__init__")
        self._spark = SparkSession()

    @property
    def spark_session(self):
        return self._spark
