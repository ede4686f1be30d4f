"""Reading many images from one request: several uploaded ``files``, or a list of URLs."""

from collections.abc import Iterable

from flask import request

from api.context import settings
from api.errors import ApiError
from api.intake import bytes_item, url_item
from api.jobs import reject_unknown_parts, upload_filename
from db.items import Item


def uploaded_files(other_parts: Iterable[str] = ()) -> list[Item]:
    """The multipart ``files`` (at most CELEBCLF_MAX_BATCH_FILES) beside ``other_parts`` the
    caller reads; 400/422 when wrong."""
    files = request.files.getlist("files")
    if not files:
        raise ApiError(400, "missing_files", "a multipart request needs one or more 'files'")
    reject_unknown_parts({"files", *other_parts})
    limit = settings().max_batch_files
    if len(files) > limit:
        raise ApiError(400, "too_many_files", f"{len(files)} files; at most {limit} at once")
    return [bytes_item("upload", f.read(), upload_filename(f.filename)) for f in files]


def listed_urls(urls: list[str]) -> list[Item]:
    """Items for URLs (at most CELEBCLF_MAX_BATCH_URLS), checked for form, not yet fetched."""
    limit = settings().max_batch_urls
    if len(urls) > limit:
        raise ApiError(400, "too_many_urls", f"{len(urls)} URLs; at most {limit} at once")
    return [url_item(url) for url in urls]
