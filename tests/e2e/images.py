"""Container images without a registry: a Docker image archive built here from files on this machine
(the test app, busybox-static) and imported into the node's containerd.

The archive is the format ``docker save`` writes (``manifest.json``, an image config, one layer tar),
which ``ctr images import`` reads; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

APP_IMAGE = "flagger-py.local/app"
PAUSE_IMAGE = "flagger-py.local/pause:1"
BUSYBOX = Path("/bin/busybox")


@dataclass(frozen=True)
class Image:
    """One image: its reference, the files of its only layer (path in the image -> path here) and its
    entrypoint."""

    reference: str
    files: Mapping[str, Path]
    entrypoint: Sequence[str]
    env: Sequence[str] = ()


def layer(files: Mapping[str, Path]) -> bytes:
    """An uncompressed layer tar holding ``files``, executable, with their parent directories."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        directories = sorted({str(Path(p).parent).lstrip("/") for p in files} - {""})
        for directory in directories:
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for target, source in sorted(files.items()):
            data = source.read_bytes()
            info = tarfile.TarInfo(target.lstrip("/"))
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def archive(images: Sequence[Image], out: Path) -> Path:
    """Write a ``docker save`` style archive of ``images`` to ``out``."""
    manifest = []
    with tarfile.open(out, "w") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        written: set[str] = set()
        for image in images:
            data = layer(image.files)
            digest = hashlib.sha256(data).hexdigest()
            if digest not in written:
                add(f"{digest}/layer.tar", data)
                written.add(digest)
            config = json.dumps(
                {
                    "architecture": "amd64",
                    "os": "linux",
                    "config": {"Entrypoint": list(image.entrypoint), "Env": list(image.env)},
                    "rootfs": {"type": "layers", "diff_ids": [f"sha256:{digest}"]},
                },
                sort_keys=True,
            ).encode()
            config_name = f"{hashlib.sha256(config).hexdigest()}.json"
            if config_name not in written:
                add(config_name, config)
                written.add(config_name)
            manifest.append(
                {"Config": config_name, "RepoTags": [image.reference], "Layers": [f"{digest}/layer.tar"]}
            )
        add("manifest.json", json.dumps(manifest).encode())
    return out


def images_for(app_binary: Path, versions: Sequence[str]) -> list[Image]:
    """The pause image (busybox sleeping) and one app image per version (the same binary: a version
    behaves as its pod template's environment says)."""
    pause = Image(PAUSE_IMAGE, {"/bin/busybox": BUSYBOX}, ["/bin/busybox", "sleep", "2147483647"])
    apps = [
        Image(f"{APP_IMAGE}:{v}", {"/fpy-app": app_binary}, ["/fpy-app"], [f"APP_VERSION={v}"])
        for v in versions
    ]
    return [pause, *apps]


def import_images(address: Path, tar: Path) -> None:
    """Import an archive into containerd's Kubernetes namespace, unpacked for the native snapshotter
    (the one the node's containerd uses)."""
    subprocess.run(
        ["ctr", "--address", str(address), "-n", "k8s.io", "images", "import", "--snapshotter", "native",
         str(tar)],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
