"""Storage: private, KMS-encrypted, versioned application buckets; grants name only their buckets."""

from __future__ import annotations

import json

import pytest

from components import AppBucketSettings, Storage, StorageArgs


def build(**overrides) -> StorageArgs:
    values = dict(region="us-east-1", tags={"env": "test"},
                  settings={"media": AppBucketSettings(transition_days=1), "exports": AppBucketSettings(expiration_days=90)})
    values.update(overrides)
    return StorageArgs(**values)


def test_buckets_are_private_encrypted_versioned_and_protected_when_asked(record) -> None:
    mon = record(lambda: Storage("storage", build(protect=True)), stack="prod")
    key = mon.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert sorted(b.name for b in mon.of_type("aws:s3/bucket:Bucket")) == ["storage-exports", "storage-media"]
    assert len(mon.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) == 2
    for sse in mon.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"):
        (rule,) = sse.inputs["rules"]
        assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key.outputs["arn"]
    assert len(mon.of_type("aws:s3/bucketVersioning:BucketVersioning")) == 2
    for res in (*mon.of_type("aws:s3/bucket:Bucket"), key):
        assert res.protect is True and res.retain_on_delete is True


def test_lifecycle_tiers_media_and_expires_exports_and_old_versions(record) -> None:
    mon = record(lambda: Storage("storage", build()))
    rules = {r.name: {x["id"]: x for x in r.inputs["rules"]}
             for r in mon.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")}
    media = rules["storage-media"]["media-tiering"]
    assert media["transitions"] == [{"days": 1, "storageClass": "INTELLIGENT_TIERING"}] and "expiration" not in media
    assert media["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert rules["storage-exports"]["exports-tiering"]["expiration"] == {"days": 90}


def test_a_grant_names_only_its_buckets_and_the_key_through_s3(record) -> None:
    def body():
        storage = Storage("storage", build())
        storage.grant("web", "web-task-role", {"media": "read_write"})
        storage.grant("reports", "reports-task-role", {"exports": "read"})

    mon = record(body)
    buckets = {b.name: b.outputs["arn"] for b in mon.of_type("aws:s3/bucket:Bucket")}
    web = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "storage-grant-web").inputs["policy"])["Statement"]
    resources = {str(s["Resource"]) for s in web if s["Sid"] != "UseBucketKey"}
    assert resources == {buckets["storage-media"], buckets["storage-media"] + "/*"}
    objects = next(s for s in web if s["Resource"] == buckets["storage-media"] + "/*")
    assert set(objects["Action"]) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}
    key = next(s for s in web if s["Sid"] == "UseBucketKey")
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    reports = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "storage-grant-reports").inputs["policy"])["Statement"]
    assert next(s for s in reports if s["Resource"] == buckets["storage-exports"] + "/*")["Action"] == ["s3:GetObject"]


def test_a_grant_on_an_unknown_bucket_is_refused(record) -> None:
    def body():
        Storage("storage", build()).grant("web", "role", {"avatars": "read"})

    with pytest.raises(Exception, match=r"unknown or no buckets \['avatars'\]"):
        record(body)


def test_no_buckets_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one bucket"):
        build(settings={})


# -- buckets CloudFront serves (issue 22) ------------------------------------------------------------------------------

DIST = "arn:aws:cloudfront::123456789012:distribution/E2MEDIA"


def test_a_served_bucket_is_read_by_its_distribution_alone_and_decrypted_with_the_key(record) -> None:
    def serve():
        storage = Storage("storage", build(served=frozenset({"media"})))
        storage.serve_through_cloudfront("123456789012", {"media": DIST})

    mon = record(serve)
    policies = {p.name: json.loads(p.inputs["policy"]) for p in mon.of_type("aws:s3/bucketPolicy:BucketPolicy")}
    assert set(policies) == {"storage-media", "storage-exports"}   # one policy each: deferred, then written
    media = {s["Sid"]: s for s in policies["storage-media"]["Statement"]}
    assert media["DenyInsecureTransport"]["Effect"] == "Deny"
    read = media["CloudFrontReadsThroughOac"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Resource"].endswith("/*") and read["Condition"] == {"StringEquals": {"AWS:SourceArn": DIST}}
    assert "CloudFrontReadsThroughOac" not in {s.get("Sid") for s in policies["storage-exports"]["Statement"]}
    key = mon.one("aws:kms/key:Key")
    key_policy = mon.one("aws:kms/keyPolicy:KeyPolicy")
    assert key_policy.inputs["keyId"] == key.outputs["keyId"]
    statements = {s["Sid"]: s for s in json.loads(key_policy.inputs["policy"])["Statement"]}
    assert statements["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    decrypt = statements["CloudFrontDecryptsServedObjects"]
    assert decrypt["Action"] == "kms:Decrypt" and decrypt["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert decrypt["Condition"] == {"StringEquals": {"AWS:SourceArn": [DIST]}}


def test_without_served_buckets_the_key_keeps_its_default_policy(record) -> None:
    mon = record(lambda: Storage("storage", build()))
    assert mon.of_type("aws:kms/keyPolicy:KeyPolicy") == []


def test_serving_names_exactly_the_served_buckets() -> None:
    with pytest.raises(ValueError, match="served buckets \\['nope'\\] are not buckets here"):
        build(served=frozenset({"nope"}))
