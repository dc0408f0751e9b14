"""pyspark.sql.Column (PySpark 3.5 API reference: pyspark.sql.Column): the methods scripts use."""
import re

from _stub import StubError, require

# Data type strings accepted by Column.cast (Spark SQL data types, "Supported Data Types").
CAST_TYPES = {"string", "int", "bigint", "double", "boolean", "date", "timestamp", "timestamp_ntz"}


class Column:
    __slots__ = ("expr", "_when")

    def __init__(self, expr, when=False):
        self.expr = expr
        self._when = when

    def __bool__(self):
        # PySpark raises here too: `and`/`or`/`if` on a Column is a bug in the script.
        raise ValueError("Cannot convert column into bool")

    def isNull(self):
        return Column("(%s IS NULL)" % self.expr)

    def isNotNull(self):
        return Column("(%s IS NOT NULL)" % self.expr)

    def alias(self, *alias, **kwargs):
        require(len(alias) == 1 and isinstance(alias[0], str), "alias takes one name")
        return Column("%s AS %s" % (self.expr, alias[0]))

    def cast(self, dataType):
        require(
            isinstance(dataType, str) and (dataType in CAST_TYPES or re.fullmatch(r"decimal\(\d+,\s*\d+\)", dataType)),
            "cast to an undocumented type: %r" % (dataType,),
        )
        return Column("CAST(%s AS %s)" % (self.expr, dataType))

    def otherwise(self, value):
        require(self._when, "otherwise() only follows functions.when()")
        return Column("%s ELSE %s END" % (self.expr, _expr(value)))

    def __add__(self, other):
        return Column("(%s + %s)" % (self.expr, _expr(other)))

    def __mul__(self, other):
        return Column("(%s * %s)" % (self.expr, _expr(other)))

    def __lt__(self, other):
        return Column("(%s < %s)" % (self.expr, _expr(other)))


def _expr(v):
    if isinstance(v, Column):
        return v.expr
    if isinstance(v, (str, int, float)) or v is None:
        return repr(v)
    raise StubError("not a column or literal: %r" % (v,))
