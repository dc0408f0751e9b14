"""awsglue.utils.getResolvedOptions (Glue docs: "Accessing parameters using getResolvedOptions")."""
from _stub import StubError, record


class GlueArgumentError(Exception):
    pass


def getResolvedOptions(args, options):
    """Returns {name: value} for each `--name value` in args; a missing option is an error."""
    record("awsglue.utils", "getResolvedOptions", options)
    if not isinstance(options, list):
        raise StubError("getResolvedOptions takes a list of option names")
    found = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and i + 1 < len(args):
            found[a[2:]] = args[i + 1]
            i += 2
        else:
            i += 1
    out = {}
    for name in options:
        if name not in found:
            raise GlueArgumentError("the following arguments are required: --%s" % name)
        out[name] = found[name]
    return out
