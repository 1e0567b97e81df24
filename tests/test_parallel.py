"""Each pytest-xdist worker's own var folder and Redis databases (tests/parallel.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.parallel import worker_environment

CI = {"REDIS_URL": "redis://127.0.0.1:6379/1", "REDIS_CACHE_URL": "redis://127.0.0.1:6379/2"}


def test_workers_get_their_own_var_folder_and_no_redis_without_redis(tmp_path):
    first = worker_environment(0, {}, tmp_path / "gw0")
    second = worker_environment(1, {}, tmp_path / "gw1")
    assert first == {"VETTED_VAR_DIR": str(tmp_path / "gw0")}
    assert second == {"VETTED_VAR_DIR": str(tmp_path / "gw1")}


def test_each_worker_moves_up_past_the_databases_of_the_ones_before(tmp_path):
    dbs = [
        (env["REDIS_URL"], env["REDIS_CACHE_URL"])
        for env in (worker_environment(index, CI, tmp_path) for index in range(3))
    ]
    assert dbs == [
        ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/4"),
        ("redis://127.0.0.1:6379/5", "redis://127.0.0.1:6379/6"),
    ]


def test_the_cache_database_defaults_to_the_one_after_the_brokers_as_in_settings(tmp_path):
    env = worker_environment(1, {"REDIS_URL": "redis://127.0.0.1:6379/7"}, tmp_path)
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/9"
    assert env["REDIS_CACHE_URL"] == "redis://127.0.0.1:6379/10"


def test_a_broker_set_apart_moves_with_the_others_and_password_and_host_stay(tmp_path):
    given = {
        "REDIS_URL": "redis://:secret@cache.internal:6380/2",
        "REDIS_CACHE_URL": "redis://:secret@cache.internal:6380/3",
        "CELERY_BROKER_URL": "redis://:secret@cache.internal:6380/2",
    }
    env = worker_environment(1, given, tmp_path)
    assert env["REDIS_URL"] == env["CELERY_BROKER_URL"] == "redis://:secret@cache.internal:6380/4"
    assert env["REDIS_CACHE_URL"] == "redis://:secret@cache.internal:6380/5"


def test_static_and_export_roots_move_into_the_workers_folder_only_when_set(tmp_path):
    folder = tmp_path / "gw1"
    env = worker_environment(1, {"STATIC_EXPORT_DIR": "/srv/export"}, folder)
    assert env["STATIC_EXPORT_DIR"] == str(Path(folder) / "static_export_dir")
    assert "STATIC_ROOT" not in env


def test_more_workers_than_redis_has_databases_for_is_refused_with_the_reason(tmp_path):
    assert worker_environment(6, CI, tmp_path)["REDIS_CACHE_URL"] == "redis://127.0.0.1:6379/14"
    with pytest.raises(ValueError, match="would need Redis database 16"):
        worker_environment(7, CI, tmp_path)


def test_under_xdist_this_worker_runs_in_its_own_var_folder():
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        pytest.skip("checks the pytest-xdist workers of `make test`; this run has none")
    assert Path(settings.VAR_DIR).name == worker
    assert Path(settings.STATIC_ROOT).is_relative_to(settings.VAR_DIR)
    assert Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent == Path(settings.VAR_DIR)
