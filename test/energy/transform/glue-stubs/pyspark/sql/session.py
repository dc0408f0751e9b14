"""pyspark.sql.SparkSession, RuntimeConfig and DataFrameReader (PySpark 3.5 API reference)."""
import re

from _stub import SCENARIO, record, require
from pyspark.errors import AnalysisException
from pyspark.sql.dataframe import DataFrame

# Spark 3.5 "CSV Files" data source options (names are case-insensitive).
CSV_OPTIONS = {
    o.lower()
    for o in (
        "sep delimiter encoding charset quote quoteAll escape escapeQuotes comment header inferSchema "
        "preferDate enforceSchema ignoreLeadingWhiteSpace ignoreTrailingWhiteSpace nullValue nanValue "
        "positiveInf negativeInf dateFormat timestampFormat timestampNTZFormat "
        "enableDateTimeParsingFallback maxColumns maxCharsPerColumn mode columnNameOfCorruptRecord "
        "multiLine charToEscapeQuoteEscaping samplingRatio emptyValue locale lineSep "
        "unescapedQuoteHandling compression"
    ).split()
}
CSV_MODES = {"PERMISSIVE", "DROPMALFORMED", "FAILFAST"}
# Spark SQL configuration ("Configuration" page) the scripts may set, with their documented values.
CONFS = {"spark.sql.parquet.outputTimestampType": {"INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS"}}
DDL_FIELD = re.compile(r"^`(?:[^`]|``)+` STRING$|^[A-Za-z_][A-Za-z0-9_]* STRING$")


class RuntimeConfig:
    __slots__ = ()

    def set(self, key, value):
        require(key in CONFS, "undocumented or unexpected Spark conf %r" % (key,))
        require(value in CONFS[key], "value %r not documented for %s" % (value, key))
        record("RuntimeConfig", "set", key, value)


class DataFrameReader:
    __slots__ = ("_session", "_options", "_schema")

    def __init__(self, session):
        self._session = session
        self._options = {}
        self._schema = None

    def option(self, key, value):
        require(key.lower() in CSV_OPTIONS, "undocumented CSV option %r" % (key,))
        require(isinstance(value, str), "pass option values as strings")
        if key.lower() == "mode":
            require(value in CSV_MODES, "undocumented mode %r" % (value,))
        if key.lower() in ("sep", "quote", "escape"):
            require(len(value) == 1, "%s is one character" % key)
        self._options[key.lower()] = value
        return self

    def schema(self, schema):
        require(isinstance(schema, str), "schema as a DDL string")
        for field in schema.split(", "):
            require(DDL_FIELD.match(field), "bad DDL field %r" % (field,))
        self._schema = schema
        return self

    def csv(self, path, schema=None, sep=None, encoding=None, quote=None, escape=None, comment=None, header=None, inferSchema=None, ignoreLeadingWhiteSpace=None, ignoreTrailingWhiteSpace=None, nullValue=None, nanValue=None, positiveInf=None, negativeInf=None, dateFormat=None, timestampFormat=None, maxColumns=None, maxCharsPerColumn=None, maxMalformedLogPerPartition=None, mode=None, columnNameOfCorruptRecord=None, multiLine=None, charToEscapeQuoteEscaping=None, samplingRatio=None, enforceSchema=None, emptyValue=None, locale=None, lineSep=None, pathGlobFilter=None, recursiveFileLookup=None, modifiedBefore=None, modifiedAfter=None, unescapedQuoteHandling=None):
        require(isinstance(path, str) and path.startswith("s3://"), "read from an s3:// path")
        require(self._schema is not None, "a CSV read needs an explicit schema")
        corrupt = self._options.get("columnnameofcorruptrecord")
        if corrupt:
            require(self._schema.endswith(", %s STRING" % corrupt), "the corrupt-record column must be in the schema, as a string")
        record("DataFrameReader", "csv", path, options=dict(self._options))
        return DataFrame(self._session, "csv:" + path)

    def parquet(self, *paths, **options):
        require(paths and all(isinstance(p, str) and p.startswith("s3://") for p in paths), "read from s3:// paths")
        record("DataFrameReader", "parquet", *paths)
        if SCENARIO.get("refs_missing"):
            raise AnalysisException("[PATH_NOT_FOUND] Path does not exist: %s" % paths[0])
        return DataFrame(self._session, "parquet:" + paths[0])


class SparkSession:
    __slots__ = ("_views", "_conf")

    def __init__(self):
        self._views = set()
        self._conf = RuntimeConfig()

    @property
    def read(self):
        return DataFrameReader(self)

    @property
    def conf(self):
        return self._conf

    def sql(self, sqlQuery, args=None, **kwargs):
        require(isinstance(sqlQuery, str), "sql takes a string")
        require("/*EXTRAS" not in sqlQuery, "an extras placeholder was left in the SQL")
        ctes = set(re.findall(r"(?:WITH|,)\s*([A-Za-z_]\w*) AS \(", sqlQuery))
        relations = re.sub(r"BOTH '(?:[^'\\]|\\.)*' FROM", "", sqlQuery)  # trim(BOTH … FROM x)
        for name in re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_]\w*)(?![\w.])", relations):
            require(name in self._views or name in ctes, "the SQL reads %r, which is no view yet" % name)
        record("SparkSession", "sql", sqlQuery)
        return DataFrame(self, "sql")

    def table(self, tableName):
        require(tableName in self._views, "no view %r" % (tableName,))
        return DataFrame(self, tableName)

    def createDataFrame(self, data, schema=None, samplingRatio=None, verifySchema=True):
        require(isinstance(schema, str), "give the schema as a DDL string")
        return DataFrame(self, "empty")
