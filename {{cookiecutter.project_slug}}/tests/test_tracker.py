"""The tracker is chosen by configs/ (``tracking._target_``); without one, nothing is tracked."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.config import Config, ConfigError
from {{ cookiecutter.package_name }}.tracker import NullTracker, Tracker, tracker_for


def test_no_tracking_node_means_no_tracking(config: Config) -> None:
    config.tracking = None
    tracker = tracker_for(config)
    assert isinstance(tracker, NullTracker)
    assert isinstance(tracker, Tracker)


def test_the_configured_tracker_is_a_tracker(config: Config) -> None:
    assert isinstance(tracker_for(config), Tracker)


@pytest.mark.parametrize(
    ("tracking", "message"),
    [
        ({"_target_": "no_such_module.Tracker"}, r"^tracking: .*no_such_module"),
        ({"_target_": "collections.OrderedDict"}, r"^tracking\._target_ .* is not a tracker"),
    ],
)
def test_a_bad_tracker_fails_in_one_line(
    config: Config, tracking: dict[str, str], message: str
) -> None:
    config.tracking = tracking
    with pytest.raises(ConfigError, match=message) as failure:
        tracker_for(config)
    assert "\n" not in str(failure.value)
