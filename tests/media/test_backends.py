"""The contract of MediaStorage, run against every backend (file and S3)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.media import MediaNotFound, media_from_url, validate_key
from server.media.file import FileStorage
from server.media.s3 import S3Storage

CHINESE_NOTE = "井盖破损，位于3号楼东侧人行道；已拍照上报。".encode()


def chunk_key(sha: str, offset: int) -> str:
    return f"partial/{sha}/{offset:012d}"


# --- round trips -----------------------------------------------------------


def test_put_then_get_returns_the_same_bytes(storage):
    storage.put("photos/ab/abcdef.jpg", b"\xff\xd8jpeg bytes\xff\xd9", "image/jpeg")
    assert storage.get("photos/ab/abcdef.jpg") == b"\xff\xd8jpeg bytes\xff\xd9"


def test_every_byte_value_round_trips(storage):
    data = bytes(range(256)) * 64
    storage.put("blob.bin", data)
    assert storage.get("blob.bin") == data


def test_chinese_utf8_content_round_trips(storage):
    storage.put("notes/report-1.txt", CHINESE_NOTE, "text/plain; charset=utf-8")
    assert storage.get("notes/report-1.txt").decode("utf-8") == CHINESE_NOTE.decode()


def test_empty_object_round_trips(storage):
    storage.put("empty", b"")
    assert storage.get("empty") == b""
    assert storage.exists("empty")
    assert storage.size("empty") == 0


def test_put_replaces_an_existing_object(storage):
    storage.put("photos/x.jpg", b"first version")
    storage.put("photos/x.jpg", b"second")
    assert storage.get("photos/x.jpg") == b"second"
    assert storage.size("photos/x.jpg") == len(b"second")


def test_concurrent_puts_of_one_key_leave_one_whole_value(storage):
    values = [bytes([n]) * 50_000 for n in range(8)]
    barrier = threading.Barrier(len(values))

    def write(value):
        barrier.wait()
        storage.put("photos/contended.jpg", value)

    with ThreadPoolExecutor(len(values)) as pool:
        list(pool.map(write, values))
    assert storage.get("photos/contended.jpg") in values
    assert storage.list("photos/") == ["photos/contended.jpg"]


# --- missing keys ----------------------------------------------------------


def test_get_of_a_missing_key_raises_media_not_found(storage):
    with pytest.raises(MediaNotFound) as caught:
        storage.get("photos/missing.jpg")
    assert caught.value.key == "photos/missing.jpg"
    assert isinstance(caught.value, KeyError)


def test_exists_and_size_tell_present_from_missing(storage):
    storage.put("photos/here.jpg", b"12345")
    assert storage.exists("photos/here.jpg")
    assert storage.size("photos/here.jpg") == 5
    assert not storage.exists("photos/gone.jpg")
    assert storage.size("photos/gone.jpg") is None


def test_a_folder_like_prefix_is_not_an_object(storage):
    storage.put("photos/ab/abc.jpg", b"x")
    assert not storage.exists("photos/ab")
    assert storage.size("photos/ab") is None
    with pytest.raises(MediaNotFound):
        storage.get("photos/ab")


def test_delete_removes_the_object(storage):
    storage.put("photos/a.jpg", b"a")
    storage.delete("photos/a.jpg")
    assert not storage.exists("photos/a.jpg")
    assert storage.list("photos/") == []
    with pytest.raises(MediaNotFound):
        storage.get("photos/a.jpg")


def test_delete_is_idempotent(storage):
    storage.delete("photos/never-stored.jpg")
    storage.put("photos/b.jpg", b"b")
    storage.delete("photos/b.jpg")
    storage.delete("photos/b.jpg")
    assert not storage.exists("photos/b.jpg")


def test_put_after_deleting_the_last_key_of_a_folder_works(storage):
    storage.put("partial/abc/000000000000", b"chunk")
    storage.delete("partial/abc/000000000000")
    storage.put("partial/abc/000000000005", b"again")
    assert storage.list("partial/abc/") == ["partial/abc/000000000005"]


# --- listing ---------------------------------------------------------------


def test_list_returns_sorted_keys_under_a_prefix(storage):
    sha = "a" * 64
    for offset in (131072, 0, 65536):
        storage.put(chunk_key(sha, offset), b"c")
    storage.put(chunk_key("b" * 64, 0), b"other upload")
    storage.put("photos/aa/" + sha + ".jpg", b"photo")

    assert storage.list(f"partial/{sha}/") == [
        chunk_key(sha, 0),
        chunk_key(sha, 65536),
        chunk_key(sha, 131072),
    ]


def test_list_prefix_is_a_string_prefix_not_a_folder(storage):
    storage.put("partial/abc1/000000000000", b"1")
    storage.put("partial/abc2/000000000000", b"2")
    storage.put("partial/abd/000000000000", b"3")
    storage.put("partial-old", b"4")
    assert storage.list("partial/abc") == [
        "partial/abc1/000000000000",
        "partial/abc2/000000000000",
    ]
    assert storage.list("partial") == [
        "partial-old",
        "partial/abc1/000000000000",
        "partial/abc2/000000000000",
        "partial/abd/000000000000",
    ]


def test_list_with_an_empty_prefix_returns_every_key(storage):
    storage.put("b", b"")
    storage.put("a/z/y", b"")
    storage.put("a/b", b"")
    assert storage.list("") == ["a/b", "a/z/y", "b"]
    assert storage.list() == ["a/b", "a/z/y", "b"]


def test_list_of_an_unknown_prefix_is_empty(storage):
    assert storage.list("partial/nothing-here/") == []
    storage.put("photos/x.jpg", b"x")
    assert storage.list("partial/") == []


def test_list_reassembles_a_chunked_upload_in_offset_order(storage):
    data = os.urandom(10_000)
    sha = "c" * 64
    chunk = 1_024
    offsets = list(range(0, len(data), chunk))
    for offset in reversed(offsets):
        storage.put(chunk_key(sha, offset), data[offset:offset + chunk])
    keys = storage.list(f"partial/{sha}/")
    assert [int(key.rsplit("/", 1)[1]) for key in keys] == offsets
    assert b"".join(storage.get(key) for key in keys) == data


def test_list_reads_every_page(storage, backend_name):
    if backend_name == "s3":
        storage.page_size = 7  # many pages out of a few keys
    keys = [f"partial/{'d' * 64}/{offset:012d}" for offset in range(40)]
    for key in keys:
        storage.put(key, b"")
    assert storage.list("partial/") == keys


def test_s3_list_returns_more_than_1000_keys(s3_url, s3_bucket, s3_seed):
    storage = media_from_url(s3_url)
    keys = [f"partial/{'e' * 64}/{offset:012d}" for offset in range(1005)]
    s3_seed(s3_bucket, ["media/" + key for key in reversed(keys)])
    storage.put("partial/zz-written-through-the-api", b"")
    assert storage.list("partial/") == keys + ["partial/zz-written-through-the-api"]


# --- key validation --------------------------------------------------------

BAD_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "photos/../../outside",
    "photos/..",
    "photos/./x.jpg",
    ".",
    "photos//x.jpg",
    "photos/",
    "photos/x y.jpg",
    "photos\\x.jpg",
    "照片/x.jpg",
    "photos/x.jpg\x00",
    "photos/x.jpg?versionId=1",
    "a" * 600,
]


@pytest.mark.parametrize("method", ["put", "get", "exists", "size", "delete"])
def test_invalid_keys_are_rejected_before_any_storage_call(storage, method):
    call = getattr(storage, method)
    for key in BAD_KEYS:
        with pytest.raises(ValueError):
            call(key, b"x") if method == "put" else call(key)
    assert storage.list("") == []


def test_invalid_list_prefixes_are_rejected(storage):
    for prefix in ["/abs", "../up", "a/../b", "a b", "a//b", "照片/"]:
        with pytest.raises(ValueError):
            storage.list(prefix)


@given(st.text(alphabet="ab./_-", max_size=12))
def test_an_accepted_key_never_leaves_the_storage_root(key):
    root = "/srv/media"
    try:
        validate_key(key)
    except ValueError:
        return
    path = os.path.normpath(FileStorage(root)._path(key))
    assert path.startswith(root + os.sep)
    assert path != root


# --- backend specifics -----------------------------------------------------


def test_file_storage_writes_leave_no_temporary_files(tmp_path):
    storage = FileStorage(tmp_path / "media")
    storage.put("photos/ab/x.jpg", b"x" * 1000)
    storage.put("photos/ab/x.jpg", b"y" * 10)
    assert sorted(os.listdir(tmp_path / "media" / "photos" / "ab")) == ["x.jpg"]


def test_file_storage_ignores_temporary_files_left_by_a_crash(tmp_path):
    storage = FileStorage(tmp_path)
    storage.put("photos/x.jpg", b"x")
    (tmp_path / "photos" / "x.jpg~tmp~deadbeef").write_bytes(b"half")
    assert storage.list("photos/") == ["photos/x.jpg"]


def test_file_storage_prunes_folders_emptied_by_delete(tmp_path):
    storage = FileStorage(tmp_path / "media")
    storage.put("partial/abc/000000000000", b"x")
    storage.delete("partial/abc/000000000000")
    assert os.listdir(tmp_path / "media") == []


def test_s3_prefixes_keep_two_storages_in_one_bucket_apart(s3_endpoint, s3_bucket):
    query = f"endpoint_url={s3_endpoint}&region=us-east-1"
    one = media_from_url(f"s3://{s3_bucket}/district-1?{query}")
    two = media_from_url(f"s3://{s3_bucket}/district-2?{query}")
    one.put("photos/a.jpg", b"one")
    two.put("photos/a.jpg", b"two")
    assert one.get("photos/a.jpg") == b"one"
    assert one.list("") == ["photos/a.jpg"]
    whole = media_from_url(f"s3://{s3_bucket}?{query}")
    assert whole.list("") == ["district-1/photos/a.jpg", "district-2/photos/a.jpg"]


def test_s3_put_records_the_content_type(s3_url):
    storage = media_from_url(s3_url)
    storage.put("photos/a.jpg", b"jpeg", "image/jpeg")
    head = storage.client.head_object(Bucket=storage.bucket, Key="media/photos/a.jpg")
    assert head["ContentType"] == "image/jpeg"


# --- media_from_url --------------------------------------------------------


def test_file_url_with_an_absolute_path(tmp_path):
    storage = media_from_url(f"file://{tmp_path}/media")
    assert isinstance(storage, FileStorage)
    assert storage.root == str(tmp_path / "media")


def test_file_url_relative_to_the_instance_folder(tmp_path):
    storage = media_from_url("file://media/photos", instance_path=str(tmp_path))
    assert storage.root == str(tmp_path / "media" / "photos")


def test_file_url_without_slashes_is_relative_to_the_instance_folder(tmp_path):
    storage = media_from_url("file:media", instance_path=str(tmp_path))
    assert storage.root == str(tmp_path / "media")


def test_relative_file_url_needs_an_instance_folder():
    with pytest.raises(ValueError):
        media_from_url("file://media")


def test_file_url_without_a_path_is_rejected():
    with pytest.raises(ValueError):
        media_from_url("file://")


def test_s3_url_carries_bucket_prefix_endpoint_and_region():
    storage = media_from_url(
        "s3://gridwalk-media/district/7/?endpoint_url=http://127.0.0.1:9000"
        "&region=cn-north-1"
    )
    assert isinstance(storage, S3Storage)
    assert storage.bucket == "gridwalk-media"
    assert storage.prefix == "district/7"
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert storage.client.meta.region_name == "cn-north-1"
    assert storage.client.meta.config.s3["addressing_style"] == "path"


@pytest.mark.parametrize(
    "url",
    [
        "s3:///prefix-without-bucket",
        "s3://bucket/p?endpoint=http://x",
        "s3://bucket/../up",
        "ftp://host/media",
        "media",
        "",
    ],
)
def test_unusable_media_urls_are_rejected(url):
    with pytest.raises(ValueError):
        media_from_url(url, instance_path="/tmp")
