"""One object store under one root URL, through fsspec.

``file://…`` (the default: ``teamtreck_home()/"lake"``), ``memory://…`` for tests and
``s3://bucket/prefix`` (s3fs; endpoint, credentials and region configurable). Paths given to a
`Store` are relative to its root and use ``/``. Writes are whole objects: atomic on a local folder
(temporary file + rename), and atomic by nature on S3.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from lakehouse.errors import LakehouseError, LayoutError, ObjectNotFoundError, StorageError
from lakehouse.home import teamtreck_home

log = logging.getLogger(__name__)

LAKE_URL_ENV = "TEAMTRECK_LAKE_URL"
_S3_OPTIONS = ("endpoint_url", "key", "secret", "token", "region")


def default_lake_url() -> str:
    """Return `$TEAMTRECK_LAKE_URL`, or the local folder ``teamtreck_home()/"lake"`` as a URL."""
    configured = os.environ.get(LAKE_URL_ENV)
    if configured:
        return configured
    return (teamtreck_home() / "lake").as_uri()


def _s3_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    kwargs = {k: v for k, v in options.items() if k not in _S3_OPTIONS}
    for name in ("endpoint_url", "key", "secret", "token"):
        if options.get(name):
            kwargs[name] = options[name]
    if options.get("region"):
        kwargs.setdefault("client_kwargs", {})["region_name"] = options["region"]
    return kwargs


def open_store(url: str | None = None, **storage_options: Any) -> Store:
    """Open the lake at `url` (default: `default_lake_url()`).

    S3 options: ``endpoint_url``, ``key``, ``secret``, ``token``, ``region``; other options are
    passed to the fsspec filesystem. fsspec keeps one filesystem instance per set of options in
    a process, so every `Store` on the same bucket shares one long-lived s3fs client.
    """
    url = url or default_lake_url()
    if "://" not in url:
        url = Path(url).expanduser().resolve().as_uri()
    protocol = url.split("://", 1)[0]
    kwargs = _s3_kwargs(storage_options) if protocol in ("s3", "s3a") else dict(storage_options)
    try:
        fs = fsspec.filesystem(protocol, **kwargs)
    except (ImportError, ValueError) as e:
        raise StorageError(
            f"cannot open the lake at {url!r}: {e}. For s3:// install s3fs "
            "(pip install 'teamtreck[lake]')."
        ) from e
    root = fs._strip_protocol(url).rstrip("/")
    if isinstance(fs, LocalFileSystem):
        Path(root).mkdir(parents=True, exist_ok=True)
    return Store(fs, root, url)


def _check_relative(rel_path: str) -> str:
    parts = rel_path.split("/")
    if not rel_path or rel_path.startswith("/") or ".." in parts or "" in parts[:-1]:
        raise LayoutError(f"{rel_path!r} is not a relative path inside the lake.")
    return rel_path


class Store:
    """Whole-object access to the lake under one root."""

    def __init__(self, fs: fsspec.AbstractFileSystem, root: str, url: str) -> None:
        self.fs = fs
        self.root = root
        self.url = url
        self.is_local = isinstance(fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def full_path(self, rel_path: str) -> str:
        """Return the filesystem path (for `self.fs`) of a path relative to the root."""
        return f"{self.root}/{_check_relative(rel_path)}"

    @contextlib.contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        # s3fs/botocore raise their own exception types (not OSError) for network failures.
        try:
            yield
        except LakehouseError:
            raise
        except FileNotFoundError as e:
            raise ObjectNotFoundError(f"{action}: no object there in {self.url}.") from e
        except Exception as e:
            raise StorageError(
                f"{action} failed in {self.url}: {e}. Check the lake URL, network and credentials."
            ) from e

    def put_bytes(self, rel_path: str, data: bytes, durable: bool = True) -> None:
        """Write one whole object, replacing any object at that path.

        On a local folder the write is atomic; `durable=False` skips the fsync (for bulk
        writes that can be redone, e.g. simulated data), keeping the atomic rename.
        """
        path = self.full_path(rel_path)
        with self._translated(f"writing {rel_path!r}"):
            if self.is_local:
                _write_local_atomically(Path(path), data, durable)
            else:
                self.fs.pipe_file(path, data)
                self.fs.invalidate_cache(posixpath.dirname(path))
        log.debug("wrote %s (%d bytes)", rel_path, len(data))

    def create_bytes(self, rel_path: str, data: bytes) -> bool:
        """Write one whole object only if none exists there; return whether this call wrote it.

        Atomic on a local folder (O_EXCL) and on S3 (a conditional PUT, `If-None-Match: *`);
        elsewhere (e.g. `memory://`, one process) a check then a write.
        """
        path = self.full_path(rel_path)
        with self._translated(f"creating {rel_path!r}"):
            try:
                if self.is_local:
                    _write_local_atomically(Path(path), data, durable=True, exclusive=True)
                else:
                    self.fs.pipe_file(path, data, mode="create")
                    self.fs.invalidate_cache(posixpath.dirname(path))
            except FileExistsError:
                return False
            except Exception as e:
                if "PreconditionFailed" in repr(e) or "412" in str(e):
                    return False  # S3: someone created it first
                raise
        return True

    def get_bytes(self, rel_path: str) -> bytes:
        """Read one whole object; raise `ObjectNotFoundError` when it does not exist."""
        with self._translated(f"reading {rel_path!r}"):
            return bytes(self.fs.cat_file(self.full_path(rel_path)))

    def exists(self, rel_path: str) -> bool:
        """Tell whether an object exists at that path."""
        with self._translated(f"checking {rel_path!r}"):
            return bool(self.fs.isfile(self.full_path(rel_path)))

    def find(self, prefix: str = "") -> list[str]:
        """List every object under `prefix` (relative paths, sorted; temporary files skipped)."""
        return list(self.sizes(prefix))

    def sizes(self, prefix: str = "") -> dict[str, int]:
        """Return {relative path: size in bytes} of every object under `prefix`, sorted by path."""
        base = self.full_path(prefix.strip("/")) if prefix.strip("/") else self.root
        with self._translated(f"listing {prefix!r}"):
            if not self.is_local:
                self.fs.invalidate_cache()  # other writers may have added objects since
            try:
                found = self.fs.find(base, detail=True)
            except FileNotFoundError:
                return {}
        start = len(self.root) + 1
        listed = {str(path)[start:]: int(info.get("size") or 0) for path, info in found.items()}
        return {p: listed[p] for p in sorted(listed) if not posixpath.basename(p).startswith(".")}

    def delete(self, rel_paths: list[str]) -> None:
        """Delete objects; paths that do not exist are ignored."""
        full = [self.full_path(p) for p in rel_paths]
        for path in full:
            with self._translated(f"deleting {path!r}"), contextlib.suppress(FileNotFoundError):
                self.fs.rm_file(path)
        if full and not self.is_local:
            self.fs.invalidate_cache()


def _write_local_atomically(
    path: Path, data: bytes, durable: bool, exclusive: bool = False
) -> None:
    """Write aside, then move into place, so a reader never sees a half-written object.

    `exclusive` moves with link(), which fails (FileExistsError) if the name exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        (os.link if exclusive else os.replace)(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
