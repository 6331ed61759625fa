"""A real single-node SLURM cluster in a scratch folder, from Debian's packages, for tests.

Debian's slurmctld, slurmd and munge run as root with every file (configuration, keys, state,
sockets, logs, pid files) under one folder and on free loopback ports, so two clusters on one
host do not collide and the host's own services (if any) are left alone. Every SLURM client
(`sbatch`, `squeue`, submitit's calls) finds this cluster through SLURM_CONF in `Cluster.env`.

There is no accounting daemon, so the real `sacct` fails; submitit asks it for the state of
finished jobs and, without an answer, waits forever on a cancelled one. A stand-in `sacct`, first
on `Cluster.env`'s PATH, answers submitit's question from `squeue`, which remembers finished jobs
for MinJobAge.

The daemons are stopped through their pid files, never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DEBIAN_PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
"""What the cluster needs; `.ci/run` installs them in CI."""
PROGRAMS = ("slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel", "munged", "mungekey")
PARTITION = "debug"
CPUS = 2
MEMORY_MB = 4096  # without RealMemory the node has 1 MB and every --mem request fails

# submitit runs `sacct -o JobID,State,NodeList --parsable2 -j ID [-j ID ...]` (an array by its
# base id): the same columns from squeue, which lists finished jobs (array tasks as ID_N, as sacct
# does) for MinJobAge. A pending array task that is cancelled leaves squeue's records at once;
# the controller's log keeps the request (REQUEST_KILL_JOB), and sacct would say CANCELLED.
SACCT_STAND_IN = """\
#!/bin/sh
# sacct stand-in (no accounting daemon on this test cluster): answers submitit from squeue.
log="__CONTROLLER_LOG__"
echo "JobID|State|NodeList"
while [ $# -gt 0 ]; do
    if [ "$1" = -j ]; then
        listed=$(squeue -h -t all -j "$2" -o "%i|%T|%N" 2>/dev/null)
        [ -z "$listed" ] || echo "$listed"
        sed -n "s/.*REQUEST_KILL_JOB JobId=\\($2\\(_[0-9]*\\)\\?\\) .*/\\1/p" "$log" | sort -u |
            while read -r id; do
                echo "$listed" | grep -q "^$id|" || echo "$id|CANCELLED|"
            done
        shift
    fi
    shift
done
"""

SLURM_CONF = """\
ClusterName=tpltest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/run/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/run/slurmctld.pid
SlurmdPidFile={root}/run/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# squeue remembers finished jobs this long: the sacct stand-in's history.
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory}
PartitionName={partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be installed or started here; the message says why."""


def unavailable_reason() -> str | None:
    """Why a cluster cannot run here (to skip on), or None when it can (maybe after install())."""
    if os.geteuid() != 0:
        return "the SLURM daemons run as root here (SlurmUser=root, munged's key)"
    if missing_programs() and shutil.which("apt-get") is None:
        return f"{', '.join(missing_programs())} not installed and no apt-get to install them"
    return None


def missing_programs() -> list[str]:
    return [name for name in PROGRAMS if shutil.which(name) is None]


def install() -> None:
    """Install Debian's packages when a program is missing (root with apt-get; .ci/run does it in
    CI). apt's policy keeps the packaged services from starting; the cluster starts its own."""
    if not missing_programs():
        return
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=True)
        subprocess.run(command, env=env, capture_output=True, check=True)
    if missing := missing_programs():
        raise ClusterUnavailable(f"{', '.join(missing)} still missing after apt-get install")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cluster:
    """One controller and one node (localhost, CPUS cores, MEMORY_MB) under `root`."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.root / "etc" / "slurm.conf"

    def write(self, base_env: Mapping[str, str]) -> None:
        # munged wants its socket's folders open to all and its key's folder private.
        self.root.chmod(0o755)
        for folder in ("etc", "munge/etc", "munge/run", "state", "spool", "run", "log", "bin"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "munge" / "etc").chmod(0o700)
        self.conf.write_text(
            SLURM_CONF.format(
                root=self.root,
                ctld_port=free_port(),
                slurmd_port=free_port(),
                cpus=CPUS,
                memory=MEMORY_MB,
                partition=PARTITION,
            )
        )
        sacct = self.root / "bin" / "sacct"
        sacct.write_text(
            SACCT_STAND_IN.replace("__CONTROLLER_LOG__", str(self.root / "log" / "slurmctld.log"))
        )
        sacct.chmod(0o755)
        self.env = self.client_env(base_env)

    def client_env(self, base_env: Mapping[str, str]) -> dict[str, str]:
        """`base_env` for a client of this cluster: its SLURM_CONF, the sacct stand-in first."""
        return {
            **base_env,
            "SLURM_CONF": str(self.conf),
            "PATH": os.pathsep.join([str(self.root / "bin"), base_env.get("PATH", "")]),
        }

    def run(self, *argv: str, check: bool = True) -> str:
        """A SLURM client command against this cluster; its output."""
        result = subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, check=False, timeout=60
        )
        if check and result.returncode != 0:
            raise ClusterUnavailable(
                f"`{' '.join(argv)}` exited {result.returncode}: {result.stderr.strip()}\n"
                + self.logs()
            )
        return result.stdout

    def start(self) -> None:
        munge = self.root / "munge"
        key = munge / "etc" / "munge.key"
        self._daemon(["mungekey", "--create", f"--keyfile={key}"])
        key.chmod(0o400)
        self._daemon(
            [
                "munged",
                f"--key-file={key}",
                f"--socket={munge}/run/munge.socket",
                f"--pid-file={self.root}/run/munged.pid",
                f"--log-file={self.root}/log/munged.log",
                f"--seed-file={munge}/etc/munged.seed",
            ]
        )
        self._daemon(["slurmctld", "-c", "-f", str(self.conf)])
        self._daemon(["slurmd", "-N", "localhost", "-f", str(self.conf)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = self.run("sinfo", "-h", "-n", "localhost", "-o", "%T", check=False).strip()
            if state == "idle":
                return
            time.sleep(0.2)
        raise ClusterUnavailable(f"the node did not become idle (sinfo: {state!r})\n{self.logs()}")

    def _daemon(self, argv: list[str]) -> None:
        """Run a daemon's start command (it forks and writes its pid file) or a setup step."""
        result = subprocess.run(argv, env=self.env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ClusterUnavailable(
                f"`{' '.join(argv)}` exited {result.returncode}: {result.stderr.strip()}\n"
                + self.logs()
            )

    def stop(self) -> None:
        """Cancel what still runs, then stop slurmd, slurmctld and munged through their pid files
        and wait for each to exit (a job's processes outlive a stopped slurmd)."""
        if (self.root / "run" / "slurmctld.pid").exists():
            self.run("scancel", "--partition", PARTITION, check=False)
            deadline = time.monotonic() + 60
            while (
                time.monotonic() < deadline
                and self.run("squeue", "-h", "-t", "running,completing", check=False).strip()
            ):
                time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            pid_file = self.root / "run" / f"{name}.pid"
            try:
                pid = int(pid_file.read_text().split()[0])
                os.kill(pid, signal.SIGTERM)
            except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
                continue
            deadline = time.monotonic() + 30
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

    def logs(self) -> str:
        """The tail of every daemon's log, for error messages."""
        tails = []
        for log in sorted((self.root / "log").glob("*.log")):
            tails.append(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(tails)

    def jobs(self) -> list[Job]:
        """Every job the cluster has seen, finished ones included (for MinJobAge)."""
        output = self.run("squeue", "-h", "-t", "all", "-o", "%A %i %T")
        return [Job(*line.split()) for line in output.splitlines() if line.strip()]

    def finished_jobs(self) -> list[Job]:
        """Every job, once none is pending, running or completing. A job writes its result (which
        submitit returns) before it exits, so SLURM can still say RUNNING for a moment after."""
        deadline = time.monotonic() + 60
        while (jobs := self.jobs()) and time.monotonic() < deadline:
            if not any(job.state in ("PENDING", "RUNNING", "COMPLETING") for job in jobs):
                return jobs
            time.sleep(0.2)
        return jobs

    def job_states(self) -> dict[str, str]:
        """Each finished job's state by the id squeue shows (array tasks as <array id>_<task>)."""
        return {job.name: job.state for job in self.finished_jobs()}


@dataclass(frozen=True)
class Job:
    id: str  # SLURM_JOB_ID: unique for each task of an array
    name: str  # as squeue and submitit's folders show it: <array id>_<task> for a task
    state: str


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@contextmanager
def cluster(base_env: Mapping[str, str]) -> Iterator[Cluster]:
    """A started cluster, stopped and removed on leaving the block. Its folder is short (under
    /tmp), since munge's socket path must fit in 108 bytes."""
    root = Path(tempfile.mkdtemp(prefix="slurm-"))
    running = Cluster(root)
    try:
        running.write(base_env)
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(root, ignore_errors=True)
