"""The generated Dockerfile, built and run with podman (tools/container.py): the image serves the
trained model like the project's own predict command, as a non-root user.

Needs root, podman and debootstrap from Debian's packages (`.ci/run` installs them in CI) and
Debian's archive; where podman cannot run, the test is skipped and says why. Its project is its
own (the serving API with no tracker and no ONNX export: the least to install), in an xdist group
of its own, so it runs beside the `install` group.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (
    assert_served_like_native,
    free_port,
    native_prediction,
    started,
    trained,
    wait_until_serving,
)
from tools.container import (
    ContainerUnavailable,
    Podman,
    build,
    image_user,
    stand_in_base,
    unavailable_reason,
)
from tools.project import CommandFailed, run
from tools.render import default_index_url, render

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("container")]

PYTHON_VERSION = "3.11"  # the default project's, and Debian 12's: the stand-in base can be built


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Podman]:
    """podman with scratch storage and the stand-in base image, or a skip that says why not."""
    if reason := unavailable_reason():
        pytest.skip(f"podman cannot build images here: {reason}")
    engine = Podman(tmp_path_factory.mktemp("podman"))
    try:
        stand_in_base(engine, PYTHON_VERSION)
    except (ContainerUnavailable, CommandFailed) as error:
        engine.remove_everything()
        pytest.skip(f"podman cannot build images here: {error}")
    yield engine
    engine.remove_everything()  # about 2 GB of layers


def test_image_serves_like_the_predict_command_as_non_root(
    podman: Podman, template: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    answers = {
        "python_version": PYTHON_VERSION,
        "experiment_tracker": "none",
        "onnx_export": "no",
        "package_index_url": default_index_url(),
    }
    project = render("cookiecutter", template, tmp_path, answers)
    run(["make", "install"], project, env)
    # Its own combination of modules (serving without tracker or ONNX), type-checked as its
    # `make lint` does: the other installed projects run `make lint` itself.
    run(["poetry", "run", "mypy"], project, env)
    trained(project, env)  # the image takes poetry.lock and models/model.joblib
    row, native = native_prediction(project, env, tmp_path)

    tag = "localhost/my-ml-project:test"
    build(podman, project, tag)
    assert image_user(podman, tag) == "10001:10001"
    assert podman("run", "--rm", "--network", "none", tag, "id", "-u").strip() == "10001"

    # The image's own command (uvicorn on 0.0.0.0:8000 inside), in a user-mode network whose
    # port is published on the host's loopback only.
    port = free_port()
    log = tmp_path / "container.log"
    command = podman.command(
        *("run", "--rm", "--network", "slirp4netns", "--publish", f"127.0.0.1:{port}:8000", tag)
    )
    with started(command, project, podman.env, log) as server:
        health = wait_until_serving(f"http://127.0.0.1:{port}/health", server, log)
        assert health["model_loaded"] is True
        assert_served_like_native(f"http://127.0.0.1:{port}", row, native)
