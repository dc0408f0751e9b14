"""pyspark.sql.functions (PySpark 3.5 API reference: "Functions"): the ones scripts use, with
their documented parameters."""
from _stub import require
from pyspark.sql.column import Column, _expr


def col(col):
    require(isinstance(col, str), "col takes a name")
    return Column(col)


def lit(col):
    require(not isinstance(col, Column) and isinstance(col, (str, int, float, bool, type(None))), "lit takes a literal")
    return Column(repr(col))


def to_date(col, format=None):
    return Column("to_date(%s)" % _expr(col))


def size(col):
    require(isinstance(col, Column), "size takes a Column")
    return Column("size(%s)" % col.expr)


def split(str, pattern, limit=-1):
    require(isinstance(pattern, type("")), "split's pattern is a Java regex string")
    require(isinstance(limit, int), "split's limit is an int")
    return Column("split(%s, %r, %d)" % (_expr(str), pattern, limit))


def when(condition, value):
    require(isinstance(condition, Column), "when takes a Column condition")
    return Column("CASE WHEN %s THEN %s" % (condition.expr, _expr(value)), when=True)


def monotonically_increasing_id():
    return Column("monotonically_increasing_id()")
