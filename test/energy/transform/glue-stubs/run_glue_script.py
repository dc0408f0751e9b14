"""Runs a generated Glue script against the stubs and prints what happened, as JSON:
the calls, the lines of the script that ran, the lines that could run, and the error if any.

usage: python3 run_glue_script.py SCRIPT [script arguments...]   (scenario in STUB_SCENARIO)
"""
import json
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _stub  # noqa: E402

script = os.path.abspath(sys.argv[1])
executed = set()


def tracer(frame, event, arg):
    if frame.f_code.co_filename == script:
        if event in ("call", "line"):
            executed.add(frame.f_lineno)
        return tracer
    return None


def code_lines(code):
    lines = {line for _, _, line in code.co_lines() if line is not None}
    for const in code.co_consts:
        if hasattr(const, "co_lines"):
            lines |= code_lines(const)
    return lines


with open(script, encoding="utf-8") as f:
    source = f.read()
executable = code_lines(compile(source, script, "exec"))
sys.argv = [script] + sys.argv[2:]
error = None
sys.settrace(tracer)
try:
    runpy.run_path(script, run_name="__main__")
except Exception as e:  # reported to the test
    error = {"type": type(e).__name__, "message": str(e)}
finally:
    sys.settrace(None)
print(json.dumps({"calls": _stub.CALLS, "executed": sorted(executed), "executable": sorted(executable), "error": error}))
