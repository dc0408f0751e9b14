"""Shared state of the awsglue / pyspark / boto3 stubs.

The stubs stand in for the libraries a generated Glue script imports, so the script can run on a
machine without Spark. Every class defines only the methods and parameters the Spark 3.5 / Glue 5
/ boto3 documentation lists for it (see each class's docstring); anything else raises
AttributeError or TypeError, and option names and values are checked against the documented
ones. Calls are recorded for the test to inspect. The scenario (what counts, reads and S3 return)
comes from the STUB_SCENARIO environment variable (JSON).
"""
import json
import os

CALLS = []
SCENARIO = json.loads(os.environ.get("STUB_SCENARIO", "{}"))
_counts = list(SCENARIO.get("counts", []))


class StubError(Exception):
    """A call the documentation does not allow."""


def record(obj, method, *args, **kwargs):
    CALLS.append({"on": obj, "call": method, "args": [_short(a) for a in args], "kwargs": {k: _short(v) for k, v in kwargs.items()}})


def _short(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_short(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _short(x) for k, x in v.items()}
    return repr(v)


def next_count():
    if not _counts:
        raise StubError("the scenario has no count left for DataFrame.count()")
    return _counts.pop(0)


def require(condition, message):
    if not condition:
        raise StubError(message)
