"""Stub of boto3's S3 client (boto3 docs: S3.Client): the operations scripts use, keyword
arguments only, as botocore requires."""
import json

from _stub import SCENARIO, StubError, record, require


class _Exceptions:
    class NoSuchKey(Exception):
        pass


class _Body:
    def __init__(self, data):
        self._data = data

    def read(self):
        return self._data


class _Paginator:
    def __init__(self, client):
        self._client = client

    def paginate(self, *, Bucket, Prefix=None, Delimiter=None, PaginationConfig=None):
        record("s3", "paginate list_objects_v2", Bucket=Bucket, Prefix=Prefix)
        files = SCENARIO.get("staging_files", 1)
        keys = ["%spart-%05d.zstd.parquet" % (Prefix, i) for i in range(files)] + [Prefix + "_SUCCESS"]
        return [{"Contents": [{"Key": k} for k in keys]}]


class S3Client:
    exceptions = _Exceptions

    def get_paginator(self, operation_name):
        require(operation_name == "list_objects_v2", "unexpected paginator %r" % operation_name)
        return _Paginator(self)

    def get_object(self, *, Bucket, Key, **kwargs):
        record("s3", "get_object", Bucket=Bucket, Key=Key)
        files = SCENARIO.get("bookmark")
        if files is None:
            raise _Exceptions.NoSuchKey("NoSuchKey")
        return {"Body": _Body(json.dumps({"files": files}).encode("utf-8"))}

    def put_object(self, *, Bucket, Key, Body=None, ContentType=None, **kwargs):
        require(isinstance(Body, bytes), "put_object Body as bytes")
        record("s3", "put_object", Bucket=Bucket, Key=Key, Body=json.loads(Body.decode("utf-8")))

    def delete_object(self, *, Bucket, Key, **kwargs):
        record("s3", "delete_object", Bucket=Bucket, Key=Key)

    def delete_objects(self, *, Bucket, Delete, **kwargs):
        require(len(Delete["Objects"]) <= 1000, "delete_objects takes at most 1000 keys")
        record("s3", "delete_objects", Bucket=Bucket, Keys=[o["Key"] for o in Delete["Objects"]])

    def copy(self, CopySource, Bucket, Key, ExtraArgs=None, Callback=None, SourceClient=None, Config=None):
        require(set(CopySource) <= {"Bucket", "Key", "VersionId"}, "CopySource is {Bucket, Key}")
        record("s3", "copy", CopySource, Bucket, Key)


def client(service_name, region_name=None, api_version=None, use_ssl=True, verify=None, endpoint_url=None, aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None, config=None):
    if service_name != "s3":
        raise StubError("only the s3 client is stubbed")
    return S3Client()
