"""pyspark.sql.DataFrame and DataFrameWriter (PySpark 3.5 API reference)."""
from _stub import SCENARIO, StubError, next_count, record, require
from pyspark.sql.column import Column

# Parquet data source options for writing (Spark 3.5 "Parquet Files" / "Data Source Option").
PARQUET_COMPRESSION = {"none", "uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd"}
SAVE_MODES = {"append", "overwrite", "error", "errorifexists", "ignore"}


class DataFrame:
    __slots__ = ("_session", "label")

    def __init__(self, session, label):
        self._session = session
        self.label = label

    def _derive(self, op):
        return DataFrame(self._session, "%s.%s" % (self.label, op))

    def where(self, condition):
        require(isinstance(condition, Column), "where takes a Column (or use a SQL string)")
        return self._derive("where")

    def select(self, *cols):
        require(cols, "select needs columns")
        for c in cols:
            require(isinstance(c, (Column, str)), "select takes Columns or names, got %r" % (c,))
        return self._derive("select")

    def cache(self):
        record(self.label, "cache")
        return self

    def distinct(self):
        return self._derive("distinct")

    def unionByName(self, other, allowMissingColumns=False):
        require(isinstance(other, DataFrame), "unionByName takes a DataFrame")
        return self._derive("union")

    def repartition(self, numPartitions, *cols):
        record(self.label, "repartition", numPartitions)
        return self._derive("repartition")

    def createOrReplaceTempView(self, name):
        require(isinstance(name, str), "a view name is a string")
        record(self.label, "createOrReplaceTempView", name)
        self._session._views.add(name)

    def count(self):
        n = next_count()
        record(self.label, "count", n)
        return n

    def collect(self):
        record(self.label, "collect")
        return [(SCENARIO.get("test_failures", 0),)]

    @property
    def write(self):
        return DataFrameWriter(self)


class DataFrameWriter:
    __slots__ = ("_df", "_mode", "_options")

    def __init__(self, df):
        self._df = df
        self._mode = "errorifexists"
        self._options = {}

    def mode(self, saveMode):
        require(saveMode in SAVE_MODES, "undocumented save mode %r" % (saveMode,))
        self._mode = saveMode
        return self

    def option(self, key, value):
        require(key.lower() == "compression", "undocumented Parquet write option %r" % (key,))
        require(value in PARQUET_COMPRESSION, "undocumented Parquet compression %r" % (value,))
        self._options[key] = value
        return self

    def parquet(self, path, mode=None, partitionBy=None, compression=None):
        require(isinstance(path, str) and path.startswith("s3://"), "write to an s3:// path")
        record(self._df.label, "write.parquet", path, mode=self._mode, **self._options)
