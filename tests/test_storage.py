"""Uploaded files go through Django's storage API (common/storage.py): filesystem or remote."""

import hashlib
import os
import subprocess
import sys

from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from common.storage import delete_stored, local_copy, store_upload

PAYLOAD = b"hv001,hv002,hv005\n" + b"1,1,1000000\n" * 300_000  # ~3.6 MB, several chunks


def test_upload_streams_to_a_filesystem_storage_and_reads_back_in_place(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    uploaded = SimpleUploadedFile("../../etc/DHS Kenya 2022.csv", PAYLOAD)
    stored = store_upload(uploaded, folder="surveys", storage=storage)
    assert stored.name.startswith("surveys/") and stored.name.endswith("DHS_Kenya_2022.csv")
    assert ".." not in stored.name
    assert stored.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert stored.size == len(PAYLOAD)
    with local_copy(stored.name, storage=storage) as path:
        assert path == tmp_path / stored.name  # no copy on local disk
        assert path.read_bytes() == PAYLOAD
    delete_stored(stored.name, storage=storage)
    delete_stored(stored.name, storage=storage)  # already gone: not an error
    assert not (tmp_path / stored.name).exists()


def test_two_uploads_with_the_same_name_never_overwrite_each_other(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    first = store_upload(
        SimpleUploadedFile("export.xlsx", b"one"), folder="uploads", storage=storage
    )
    second = store_upload(
        SimpleUploadedFile("export.xlsx", b"two"), folder="uploads", storage=storage
    )
    assert first.name != second.name
    assert storage.open(first.name).read() == b"one"


def test_a_remote_storage_without_local_paths_gets_a_temporary_copy_that_is_removed():
    storage = InMemoryStorage()  # like S3: no .path()
    uploaded = TemporaryUploadedFile("mics6.sav", "application/octet-stream", len(PAYLOAD), None)
    uploaded.write(PAYLOAD)
    stored = store_upload(uploaded, folder="surveys", storage=storage)
    assert storage.exists(stored.name)
    with local_copy(stored.name, storage=storage) as path:
        assert path.suffix == ".sav"  # readers choose by extension
        assert path.read_bytes() == PAYLOAD
        kept = path
    assert not kept.exists()


def test_s3_bucket_setting_switches_the_default_storage_to_private_s3():
    probe = (
        "from django.conf import settings as s; from django.core.files.storage import "
        "storages; o = s.STORAGES['default']['OPTIONS']; "
        "print(type(storages['default']).__name__, o['bucket_name'], o['default_acl'], "
        "o['endpoint_url'])"
    )
    env = {**os.environ, "S3_BUCKET": "rco-uploads", "S3_ENDPOINT_URL": "http://127.0.0.1:9000"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "S3Storage",
        "rco-uploads",
        "private",
        "http://127.0.0.1:9000",
    ]
