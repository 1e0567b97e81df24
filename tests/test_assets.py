"""The committed studio editor bundle is what `make assets` builds from static/studio/src/."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(settings.BASE_DIR)
BUNDLE = ROOT / "static" / "studio" / "editor.bundle.js"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


def test_committed_editor_bundle_matches_its_source(tmp_path):
    if not ESBUILD.exists():
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but node_modules/.bin/esbuild is missing (run npm install)")
        pytest.skip("needs esbuild: run `npm install` (make test does)")
    command = shlex.split(json.loads((ROOT / "package.json").read_text())["scripts"]["build"])
    assert command[0] == "esbuild"
    out = tmp_path / "editor.bundle.js"
    command = [str(ESBUILD), *(f"--outfile={out}" if a.startswith("--outfile=") else a for a in command[1:])]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=60)
    assert out.read_bytes() == BUNDLE.read_bytes(), "static/studio/editor.bundle.js is stale: run `make assets`"
