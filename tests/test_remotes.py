"""Team storage: a project and a teammate's clone share data and models through each kind of DVC
remote, against real stand-ins on loopback: S3 (moto's server), GCS (gcp-storage-emulator),
Azure (Azurite, from npm) and SSH (Debian's OpenSSH server, a throw-away key and config).

One project is rendered by copier from a git copy of the template with an S3 URL, installed, and
pushed to a bare git repository; one clone is installed from it. The other kinds are reached as a
team would: `make update-template COPIER_ARGS="--vcs-ref=:current: -d dvc_remote_url=..."` brings
the plugin (pyproject.toml), `poetry lock` and `poetry install` add it, the commit is pushed (the
pre-push hook sends the outputs to the new remote), the clone pulls the commit, installs and
pulls the data from the new remote, and `dvc status -c` is clean.

Every DVC command, emulator and git push runs inside a network namespace with loopback only, so
a setting that would send traffic off the machine fails instead. Poetry, which needs the package
index, runs outside it; `make install` inside it then proves that an installed environment needs
no network. Needs root and `ip` (iproute2), else the tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import free_port, stop
from tools.git import git
from tools.project import CACHE_ROOT, commit_all, project_env, run
from tools.render import copy_template, default_index_url, render

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("remotes")]

BUCKET = "team-bucket"
AZURITE_VERSION = "3.35.0"
AZURITE = CACHE_ROOT / f"azurite-{AZURITE_VERSION}"
SSHD = Path("/usr/sbin/sshd")
# Azurite's well-known development account (public, documented by Microsoft).
AZURE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
# Cloud libraries probe metadata addresses on their own: keep them quiet (the namespace would
# catch them anyway, slowly). Projects get a scratch HOME: no one's ~/.aws or ~/.ssh.
OFFLINE = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_GCE_CHECK": "true",
    "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
}
TIMINGS: dict[str, str] = {}


class Namespace:
    """A network namespace with loopback only; commands run in it through `ip netns exec`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def command(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(
        self, argv: list[str], cwd: Path, env: dict[str, str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return run(self.command(argv), cwd, env, check=check)

    def start(self, argv: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """A server in the namespace, in its own process group, in the folder of its log."""
        with log.open("wb") as output:
            return subprocess.Popen(
                self.command(argv),
                cwd=log.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_for_port(self, port: int, server: subprocess.Popen[bytes], log: Path) -> None:
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), 2).close()"
        for _ in range(300):
            if server.poll() is not None:
                pytest.fail(f"{server.args} exited {server.returncode}:\n{log.read_text()[-4000:]}")
            check = subprocess.run(
                self.command([sys.executable, "-c", probe]), stderr=subprocess.DEVNULL, check=False
            )
            if check.returncode == 0:
                return
            time.sleep(0.2)
        pytest.fail(f"{server.args} did not listen on {port}:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def netns() -> Iterator[Namespace]:
    if os.geteuid() != 0:
        pytest.skip("needs root, to make a network namespace with loopback only")
    if shutil.which("ip") is None:
        pytest.skip("needs `ip` (iproute2), to make a network namespace with loopback only")
    name = f"tpl-remotes-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield Namespace(name)
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def azurite_blob() -> Path:
    """Azurite's blob server, installed once from npm into the shared cache."""
    binary = AZURITE / "node_modules" / ".bin" / "azurite-blob"
    if not binary.exists():
        if shutil.which("npm") is None:
            pytest.skip("needs npm, to install Azurite (.ci/run installs it with apt-get)")
        AZURITE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", f"azurite@{AZURITE_VERSION}"],
            cwd=AZURITE,
            check=True,
        )
    return binary


@dataclass
class Kind:
    """A kind of DVC remote: its URL, what a teammate sets (.dvc/config.local), and env."""

    name: str
    url: str
    local: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Stores:
    kinds: dict[str, Kind]
    env: dict[str, str]  # what every command in the namespace gets


@pytest.fixture(scope="module")
def stores(netns: Namespace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """The four stand-ins, listening on loopback inside the namespace."""
    if not SSHD.exists():
        pytest.skip(f"needs {SSHD} (Debian's openssh-server; .ci/run installs it)")
    scratch = tmp_path_factory.mktemp("stores")
    env = project_env(extra=OFFLINE)
    ports = {name: free_port() for name in ("s3", "gs", "azure", "ssh")}
    servers = []
    try:
        log = scratch / "moto.log"
        server = netns.start(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(ports["s3"])],
            log,
            env,
        )
        servers.append(server)
        netns.wait_for_port(ports["s3"], server, log)
        log = scratch / "gcs.log"
        emulator = Path(sys.executable).parent / "gcp-storage-emulator"
        server = netns.start(
            [
                *(str(emulator), "start", "--host", "127.0.0.1", "--port", str(ports["gs"])),
                *("--in-memory", "--default-bucket", BUCKET),
            ],
            log,
            env,
        )
        servers.append(server)
        netns.wait_for_port(ports["gs"], server, log)
        log = scratch / "azurite.log"
        server = netns.start(
            [
                *(
                    str(azurite_blob()),
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    str(ports["azure"]),
                ),
                *(
                    "--inMemoryPersistence",
                    "--loose",
                    "--skipApiVersionCheck",
                    "--disableTelemetry",
                ),
            ],
            log,
            env,
        )
        servers.append(server)
        netns.wait_for_port(ports["azure"], server, log)
        ssh = scratch / "ssh"
        ssh.mkdir()
        for key in ("host_key", "client_key"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ssh / key)], check=True
            )
        shutil.copy(ssh / "client_key.pub", ssh / "authorized_keys")
        config = ssh / "sshd_config"
        config.write_text(
            f"Port {ports['ssh']}\nListenAddress 127.0.0.1\nHostKey {ssh / 'host_key'}\n"
            f"AuthorizedKeysFile {ssh / 'authorized_keys'}\nPidFile {ssh / 'sshd.pid'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nStrictModes no\nSubsystem sftp internal-sftp\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
        log = scratch / "sshd.log"
        server = netns.start([str(SSHD), "-D", "-e", "-f", str(config)], log, env)
        servers.append(server)
        netns.wait_for_port(ports["ssh"], server, log)
        # The bucket a team's admin would have made.
        create_bucket = (
            "import boto3; boto3.client('s3', endpoint_url='http://127.0.0.1:{}',"
            " aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')"
            f".create_bucket(Bucket='{BUCKET}')"
        ).format(ports["s3"])
        netns.run([sys.executable, "-c", create_bucket], scratch, env)
        azure_endpoint = f"http://127.0.0.1:{ports['azure']}/devstoreaccount1"
        kinds = {
            "s3": Kind(
                "s3",
                f"s3://{BUCKET}/ml",
                {"endpointurl": f"http://127.0.0.1:{ports['s3']}"},
                {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
            ),
            "gs": Kind(
                "gs",
                f"gs://{BUCKET}/ml",
                env={"STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{ports['gs']}"},
            ),
            "azure": Kind(
                "azure",
                "azure://team-container/ml",
                {
                    "connection_string": "DefaultEndpointsProtocol=http;"
                    f"AccountName=devstoreaccount1;AccountKey={AZURE_KEY};"
                    f"BlobEndpoint={azure_endpoint};"
                },
            ),
            "ssh": Kind(
                "ssh",
                f"ssh://127.0.0.1:{ports['ssh']}{scratch / 'ssh-store'}",
                {"user": "root", "keyfile": str(ssh / "client_key")},
            ),
        }
        yield Stores(kinds, env)
    finally:
        for server in servers:
            stop(server)


@dataclass
class Team:
    project: Path
    clone: Path
    env: dict[str, str]
    kind: str


def git_template(root: Path) -> Path:
    """A git copy of the template at a release tag, for `make update-template`."""
    template = copy_template(root / "template")
    git(template, "init", "--quiet", "--initial-branch=main")
    git(template, "add", "-A")
    git(template, "commit", "--quiet", "-m", "template")
    git(template, "tag", "v9.9.9")
    return template


def settings(path: Path, kind: Kind, env: dict[str, str]) -> dict[str, str]:
    """What a teammate sets for `kind`: its options in .dvc/config.local; returns the env to use."""
    (path / ".dvc" / "config.local").unlink(missing_ok=True)
    for option, value in kind.local.items():
        run(
            ["poetry", "run", "dvc", "remote", "modify", "--local", "storage", option, value],
            path,
            env,
        )
    return env | kind.env


def package_count(path: Path, env: dict[str, str]) -> int:
    return len(run(["poetry", "show", "--no-ansi"], path, env).stdout.splitlines())


@pytest.fixture(scope="module")
def team(
    stores: Stores, netns: Namespace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Team]:
    """A project on S3 and a teammate's clone, both installed; the project has run `make exp`
    after its last commit, so its workspace differs from what it pushed."""
    root = tmp_path_factory.mktemp("team")
    env = project_env(home=root / "home", extra=OFFLINE)
    template = git_template(root)
    s3 = stores.kinds["s3"]
    answers = {"package_index_url": default_index_url(), "dvc_remote_url": s3.url}
    project = render("copier", template, root / "work", answers)
    run(["git", "init", "--quiet", "--initial-branch=main"], project, env)
    run(["poetry", "install", "--no-interaction"], project, env)  # the package index: outside
    s3_env = settings(project, s3, env)
    netns.run(["make", "install"], project, s3_env)  # no network needed from here on
    assert (project / "data/raw/breast_cancer.csv").is_file()  # the bundled sample
    commit_all(project, s3_env, "Start from the ML template")
    run(["make", "pipeline"], project, s3_env)
    commit_all(project, s3_env, "First pipeline run")
    # An experiment in the workspace: the hook must push the commit's outputs, not these.
    # (`make exp` leaves the workspace alone; `dvc exp apply` brings the experiment into it.)
    run(["make", "exp", "ARGS=model.C=0.5"], project, s3_env)
    dvc_exp = ["poetry", "run", "dvc", "exp"]
    [name] = run([*dvc_exp, "list", "--name-only"], project, env).stdout.split()
    run([*dvc_exp, "apply", name], project, env)
    assert run(
        ["git", "diff", "--quiet", "HEAD", "--", "params.yaml"], project, env, check=False
    ).returncode
    bare = root / "origin.git"
    run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], root, env)
    run(["git", "remote", "add", "origin", str(bare)], project, env)
    start = time.perf_counter()
    netns.run(["git", "push", "--quiet", "origin", "main"], project, s3_env)
    TIMINGS["s3 push (git push, the pre-push hook)"] = f"{time.perf_counter() - start:.1f} s"
    run(["git", "checkout", "--quiet", "--", "."], project, env)  # drop the experiment
    run(["poetry", "run", "dvc", "checkout", "--quiet", "--force"], project, env)

    clone = root / "clone"
    run(["git", "clone", "--quiet", str(bare), str(clone)], root, env)
    run(["poetry", "install", "--no-interaction"], clone, env)
    clone_env = settings(clone, s3, env)
    start = time.perf_counter()
    netns.run(["make", "install"], clone, clone_env)
    TIMINGS["s3 pull (make install, installed)"] = f"{time.perf_counter() - start:.1f} s"
    yield Team(project, clone, env, "s3")
    # Measurements, not checks (no wall-clock limit in a test): shown with `pytest -s`.
    print("\n".join(f"{key}: {value}" for key, value in TIMINGS.items()))


def switch(team: Team, kind: Kind, netns: Namespace) -> None:
    """Move the team to another remote as the README says; the clone follows."""
    before = package_count(team.project, team.env)
    target = f"--vcs-ref=:current: -d dvc_remote_url={kind.url}"
    run(["make", "update-template", f"COPIER_ARGS={target}"], team.project, team.env)
    pyproject = (team.project / "pyproject.toml").read_text()
    assert f'"dvc[{kind.name}]>=3.60,<4"' in pyproject
    run(["poetry", "lock", "--no-interaction"], team.project, team.env)  # outside: the index
    run(["poetry", "install", "--no-interaction"], team.project, team.env)
    TIMINGS[f"{kind.name}: packages after switching from {team.kind}"] = (
        f"{before} -> {package_count(team.project, team.env)}"
    )
    kind_env = settings(team.project, kind, team.env)
    if kind.name == "azure":  # the container a team's admin would have made (Azurite has none)
        create = (
            "from azure.storage.blob import BlobServiceClient as C;"
            f"C.from_connection_string({kind.local['connection_string']!r})"
            ".create_container('team-container')"
        )
        netns.run(["poetry", "run", "python", "-c", create], team.project, kind_env)
    netns.run(["make", "install"], team.project, kind_env)  # nothing left to fetch: no network
    commit_all(team.project, kind_env, f"Team storage on {kind.name}")
    start = time.perf_counter()
    netns.run(["git", "push", "--quiet", "origin", "main"], team.project, kind_env)
    TIMINGS[f"{kind.name} push (git push, the pre-push hook)"] = (
        f"{time.perf_counter() - start:.1f} s"
    )
    run(["git", "pull", "--quiet", "--ff-only"], team.clone, team.env)
    run(["poetry", "install", "--no-interaction"], team.clone, team.env)
    team.kind = kind.name


def tracked_outputs(path: Path) -> list[Path]:
    outputs = [path / "data/raw/breast_cancer.csv", *sorted((path / "models").glob("model.*"))]
    return [*outputs, *sorted((path / "data/processed").glob("*.csv"))]


@pytest.mark.parametrize("kind_name", ["s3", "gs", "azure", "ssh"])
def test_a_clone_pulls_what_the_project_pushed(
    kind_name: str, team: Team, stores: Stores, netns: Namespace
) -> None:
    kind = stores.kinds[kind_name]
    if team.kind != kind_name:
        switch(team, kind, netns)
    clone_env = settings(team.clone, kind, team.env)
    # Start the clone from nothing but git: no DVC cache, no outputs.
    outputs = tracked_outputs(team.clone)
    assert len(outputs) >= 4, outputs
    shutil.rmtree(team.clone / ".dvc" / "cache", ignore_errors=True)
    for output in outputs:
        output.unlink()
    start = time.perf_counter()
    netns.run(["make", "data"], team.clone, clone_env)
    TIMINGS[f"{kind_name} pull (make data, {len(outputs)} outputs)"] = (
        f"{time.perf_counter() - start:.1f} s"
    )
    assert all(output.is_file() for output in outputs)
    status = netns.run(["poetry", "run", "dvc", "status", "--cloud"], team.clone, clone_env)
    assert "in sync" in status.stdout, status.stdout
    local = run(["poetry", "run", "dvc", "status"], team.clone, clone_env)
    assert "up to date" in local.stdout, local.stdout  # the commit's outputs, not the experiment's


def test_the_plugin_list_is_dvcs(team: Team, pre_gen: object) -> None:
    """The hook's scheme list is the installed DVC's list of remote kinds."""
    code = (
        "from dvc.config_schema import REMOTE_SCHEMAS;"
        "print(' '.join(sorted(set(REMOTE_SCHEMAS) - {'', 'remote'})))"
    )
    schemes = run(["poetry", "run", "python", "-c", code], team.project, team.env).stdout.split()
    assert schemes == sorted(pre_gen.DVC_REMOTE_EXTRAS)  # type: ignore[attr-defined]


def one_line_failure(result: subprocess.CompletedProcess[str], expected: str) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "'storage'" in lines[0], lines[0]
    return lines[0]


def test_make_data_says_in_one_line_what_is_wrong(
    team: Team, stores: Stores, netns: Namespace
) -> None:
    """Unreachable, no credentials, no plugin: one line naming the remote, a non-zero exit."""
    clone = team.clone
    kind = stores.kinds[team.kind]
    (clone / ".dvc" / "config.local").unlink(missing_ok=True)  # start from the bare URL
    env = team.env | kind.env
    local = ["poetry", "run", "dvc", "remote", "modify", "--local", "storage"]
    try:
        run([*local, "url", f"s3://{BUCKET}/ml"], clone, env)
        run([*local, "endpointurl", f"http://127.0.0.1:{free_port()}"], clone, env)
        closed = netns.run(["make", "data"], clone, env | stores.kinds["s3"].env, check=False)
        one_line_failure(closed, "cannot use the DVC remote 'storage'")
        run([*local, "endpointurl", stores.kinds["s3"].local["endpointurl"]], clone, env)
        no_login = netns.run(["make", "data"], clone, team.env, check=False)  # no AWS keys
        one_line_failure(no_login, "refused access (Unable to locate credentials): set AWS")
        (clone / ".dvc" / "config.local").unlink()
        run([*local, "url", f"oss://{BUCKET}/ml"], clone, env)
        no_plugin = netns.run(["make", "data"], clone, env, check=False)
        one_line_failure(no_plugin, "needs dvc-oss, which is not installed")
    finally:
        settings(clone, kind, team.env)


def test_a_push_the_remote_cannot_take_is_refused(
    team: Team, stores: Stores, netns: Namespace, tmp_path: Path
) -> None:
    project = team.project
    kind = stores.kinds[team.kind]
    (project / ".dvc" / "config.local").unlink(missing_ok=True)  # start from the bare URL
    env = team.env | kind.env
    head = run(["git", "rev-parse", "HEAD"], project, env).stdout
    commit_all_empty = ["git", "commit", "--quiet", "--allow-empty", "-m", "to be refused"]
    run(commit_all_empty, project, env)
    local = ["poetry", "run", "dvc", "remote", "modify", "--local", "storage"]
    try:
        run([*local, "url", f"s3://{BUCKET}/ml"], project, env)
        run([*local, "endpointurl", f"http://127.0.0.1:{free_port()}"], project, env)
        pushed = netns.run(
            ["git", "push", "origin", "main"], project, env | stores.kinds["s3"].env, check=False
        )
        assert pushed.returncode != 0
        output = pushed.stdout + pushed.stderr
        messages = [line for line in output.splitlines() if "DVC remote 'storage'" in line]
        assert len(messages) == 1 and messages[0].startswith("cannot use"), output
        remote_head = run(["git", "ls-remote", "origin", "main"], project, env).stdout.split()[0]
        assert remote_head == head.strip()  # the push was refused
    finally:
        run(["git", "reset", "--quiet", "--hard", head.strip()], project, env)
        settings(project, kind, team.env)
