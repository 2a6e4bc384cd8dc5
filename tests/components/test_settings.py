"""components._settings: what every settings model shares."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components import _settings
from components._service import VolumeSettings
from components.file_system import AccessPointSettings


def test_one_pattern_has_one_wording() -> None:
    # Errors carry only the pattern: a second wording for it would replace the first in every message
    # (it once made a container mount path read "an absolute directory such as /uploads").
    regex = r"^test-only-[0-9]+$"
    _settings.matching(regex, "a test value such as test-only-1")
    _settings.matching(regex, "a test value such as test-only-1")  # the same type again: fine
    with pytest.raises(ValueError, match="already reads"):
        _settings.matching(regex, "something else")


@pytest.mark.parametrize("model", [VolumeSettings, AccessPointSettings])
def test_paths_are_absolute(model) -> None:
    extra = {"access_point": "data"} if model is VolumeSettings else {}
    assert model(path="/", **extra).path == "/"
    with pytest.raises(ValidationError, match="String should match pattern"):
        model(path="data", **extra)
