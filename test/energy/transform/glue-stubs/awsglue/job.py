"""awsglue.job.Job (Glue docs: "Job class" / job bookmarks): init and commit."""
from _stub import record, require


class Job:
    __slots__ = ("_state",)

    def __init__(self, glue_context):
        from awsglue.context import GlueContext

        require(isinstance(glue_context, GlueContext), "Job takes a GlueContext")
        self._state = "new"

    def init(self, job_name, args={}):
        require(self._state == "new", "Job.init called twice")
        require(isinstance(job_name, str) and isinstance(args, dict), "Job.init(job_name: str, args: dict)")
        record("Job", "init", job_name)
        self._state = "running"

    def commit(self):
        require(self._state == "running", "Job.commit before Job.init")
        record("Job", "commit")
        self._state = "committed"
