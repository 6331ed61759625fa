"""Build and run a generated project's Dockerfile with podman, on a machine with no registry.

Shared by the container test and `make bench`. No container registry is reachable here, so the
Dockerfile's base image, `python:<version>-slim`, is a stand-in: a minimal Debian with Debian's
own Python, built with debootstrap from the archive this machine's apt already uses, and given the
host's CA bundle (outbound TLS may be re-signed by a proxy only that bundle trusts). The stand-in
checks the Dockerfile's steps, not the official image: its Python lives in /usr/bin, and only the
Python version of this machine's Debian release can be stood in for.

podman runs as root with its own configuration and storage in a folder of the caller's, so it
leaves the host's containers alone; builds use the host network (podman's default bridge would
turn on IP forwarding and add firewall rules on the host) and the server runs in a user-mode
network (slirp4netns) whose port 8000 is published on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.project import CommandFailed, run

DEBIAN_PACKAGES = ("podman", "buildah", "debootstrap", "runc", "slirp4netns")
"""What podman needs here; `.ci/run` installs them in CI."""

BASE_CACHE = Path(__file__).resolve().parent.parent / "build" / "container"
"""Where the debootstrapped base is kept between runs (1-3 minutes and ~300 MB to make)."""

# Debian's crun 1.8 refuses this host's hybrid cgroups: runc. Root here lacks CAP_SYS_RESOURCE,
# so podman's default limits fail setrlimit: limits within the current ones.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
STAND_IN_PACKAGES = "python3,python3-venv,python3-pip,python-is-python3,ca-certificates"
CA_PATH = "/etc/ssl/certs/ca-certificates.crt"
# The stand-in's Containerfile: the host's CA bundle over Debian's, for Python and pip alike.
STAND_IN_CONTAINERFILE = f"""\
FROM {{rootfs}}
COPY ca-certificates.crt {CA_PATH}
RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
ENV PATH=/usr/local/bin:/usr/bin:/bin SSL_CERT_FILE={CA_PATH} REQUESTS_CA_BUNDLE={CA_PATH} \\
    PIP_CERT={CA_PATH} LANG=C.UTF-8
"""


class ContainerUnavailable(RuntimeError):
    """podman cannot build or run images on this machine; the message says why."""


def unavailable_reason() -> str | None:
    """Why podman cannot build here (to skip on), or None when it can."""
    if os.geteuid() != 0:
        return "building images needs root here (rootless podman needs subuid ranges)"
    missing = [tool for tool in DEBIAN_PACKAGES if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed: apt-get install {' '.join(DEBIAN_PACKAGES)}"
    if not debian_release()[0]:
        return "not a Debian-like system with VERSION_CODENAME in /etc/os-release"
    return None


def debian_release() -> tuple[str, str]:
    """This machine's Debian codename and the archive apt installs it from ("" when unknown)."""
    try:
        os_release = Path("/etc/os-release").read_text(encoding="utf-8").splitlines()
        targets = subprocess.run(
            ["apt-get", "indextargets", "--format", "$(RELEASE) $(REPO_URI)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split("\n")
    except OSError:  # not Debian-like: no os-release, or no apt
        return "", ""
    fields = dict(line.partition("=")[::2] for line in os_release)
    codename = fields.get("VERSION_CODENAME", "").strip('"')
    mirrors = [line.split()[1] for line in targets if line.split()[:1] == [codename]]
    return (codename, mirrors[0]) if codename and mirrors else ("", "")


@dataclass(frozen=True)
class Podman:
    """podman with its own configuration and storage under `home`."""

    home: Path
    # podman refuses a runroot path longer than 50 characters, which a test's folder can pass.
    runroot: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="podman-run-")))

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "containers.conf").write_text(CONTAINERS_CONF, encoding="utf-8")

    def command(self, *args: str) -> list[str]:
        storage = ("--root", str(self.home / "storage"), "--runroot", str(self.runroot))
        return ["podman", *storage, "--storage-driver", "overlay", *args]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.home / "containers.conf")}

    def __call__(self, *args: str, cwd: Path | None = None) -> str:
        """Run a podman command; raise `CommandFailed` with its output when it fails."""
        return run(self.command(*args), cwd or self.home, self.env).stdout

    def remove_everything(self) -> None:
        """Stop and remove every container, then delete the storage, images and all."""
        remove = self.command("rm", "--all", "--force")
        subprocess.run(remove, env=self.env, capture_output=True, check=False)
        for folder in (self.home, self.runroot):
            unmount_below(folder)  # the overlay driver mounts its own folder
            shutil.rmtree(folder, ignore_errors=True)


def host_ca_bundle() -> Path:
    return Path(os.environ.get("SSL_CERT_FILE") or CA_PATH)


def debian_rootfs(cache: Path = BASE_CACHE) -> Path:
    """A minimal Debian with Python, as a tarball: debootstrapped once, then kept in `cache`."""
    codename, mirror = debian_release()
    if not codename:
        raise ContainerUnavailable("this machine's Debian release and archive are unknown")
    packages = hashlib.sha256(STAND_IN_PACKAGES.encode()).hexdigest()[:8]
    tarball = cache / f"debian-{codename}-{packages}.tar"  # a new package list, a new base
    if tarball.is_file():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    # In the system's temporary folder: debootstrap fails on a target path with spaces, which a
    # checkout of the template may have.
    with tempfile.TemporaryDirectory(prefix="debootstrap-") as scratch:
        rootfs = Path(scratch, "rootfs")
        command = ["debootstrap", "--variant=minbase", f"--include={STAND_IN_PACKAGES}"]
        try:
            run([*command, codename, str(rootfs), mirror], cache, os.environ)
        except CommandFailed as error:
            message = str(error).splitlines()[0]
            raise ContainerUnavailable(f"debootstrap from {mirror} failed: {message}") from error
        finally:
            unmount_below(rootfs)  # a failed debootstrap leaves /proc, /sys mounted in it
        partial = cache / f"{tarball.name}.partial"
        run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], cache, os.environ)
        partial.rename(tarball)  # whole or not at all, for the next run
    return tarball


def unmount_below(path: Path) -> None:
    """Unmount whatever is mounted under `path`, deepest first, so that deleting it deletes
    only its own files (shutil.rmtree would walk into a mounted /proc or /dev)."""
    prefix = str(path.resolve()) + os.sep
    mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    points = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)


def stand_in_base(podman: Podman, python_version: str, cache: Path = BASE_CACHE) -> str:
    """Tag a stand-in for `python:<python_version>-slim` in `podman`'s storage; return its name."""
    name = f"docker.io/library/python:{python_version}-slim"
    tarball = debian_rootfs(cache)
    rootfs = f"localhost/{tarball.stem}"
    podman("import", str(tarball), rootfs)
    context = podman.home / "stand-in"
    context.mkdir(exist_ok=True)
    shutil.copyfile(host_ca_bundle(), context / "ca-certificates.crt")
    (context / "Containerfile").write_text(STAND_IN_CONTAINERFILE.format(rootfs=rootfs))
    podman("build", "--network", "host", "--quiet", "--tag", name, str(context))
    version = podman(
        "run",
        "--rm",
        "--network",
        "none",
        name,
        "python",
        "-c",
        "import sys; print('%d.%d' % sys.version_info[:2])",
    ).strip()
    if version != python_version:
        raise ContainerUnavailable(
            f"Debian's Python here is {version}, which cannot stand in for "
            f"python:{python_version}-slim"
        )
    return name


def build(podman: Podman, project: Path, tag: str) -> float:
    """`podman build` the project's Dockerfile as `tag`; return the build's wall-clock seconds."""
    start = time.perf_counter()
    podman("build", "--network", "host", "--tag", tag, str(project), cwd=project)
    return time.perf_counter() - start


def image_size(podman: Podman, tag: str) -> int:
    """The image's size in bytes, as `podman images` reports it."""
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag))


def image_user(podman: Podman, tag: str) -> str:
    """The image's configured user (its USER line)."""
    return podman("image", "inspect", "--format", "{{.Config.User}}", tag).strip()
