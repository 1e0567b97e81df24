"""Each pytest-xdist worker gets its own var folder and Redis databases.

`make test` runs the suite on two workers (pytest-xdist). The workers share
the machine, so anything a test writes outside its own tmp_path or its own
test database must differ per worker: the var folder (VETTED_VAR_DIR, and the
static and export roots when they are set), and the Redis databases of the
broker and the cache (tests flush them). pytest-django already gives each
worker its own test database (test_<name>_gw0, ...).

Django reads its settings before any conftest is loaded, so the controller
sets these variables in each worker's environment before the worker starts
(`pytest_xdist_setupnodes` in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REDIS_VARIABLES = ("REDIS_URL", "REDIS_CACHE_URL", "CELERY_BROKER_URL")
FOLDER_VARIABLES = ("STATIC_ROOT", "STATIC_EXPORT_DIR")
HIGHEST_REDIS_DB = 15  # Redis has databases 0..15 unless configured otherwise


def _redis_db(url: str) -> int | None:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return None
    number = parts.path.strip("/") or "0"
    return int(number) if number.isdigit() else None


def _with_redis_db(url: str, number: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def redis_urls(environ: Mapping[str, str]) -> dict[str, str]:
    """The Redis URLs the suite was given, the cache's filled in as settings would (the broker's db + 1)."""
    urls = {name: environ[name] for name in REDIS_VARIABLES if environ.get(name)}
    if "REDIS_URL" in urls and "REDIS_CACHE_URL" not in urls:
        broker = _redis_db(urls["REDIS_URL"])
        if broker is not None:
            urls["REDIS_CACHE_URL"] = _with_redis_db(urls["REDIS_URL"], broker + 1)
    return urls


def worker_environment(index: int, environ: Mapping[str, str], var_dir: Path) -> dict[str, str]:
    """Environment variables for worker number `index` (0 for gw0) with its own folder var_dir.

    Worker 0 keeps the Redis databases it was given; worker n moves every one
    of them up by n times the span they cover, so REDIS_URL=.../1 with
    REDIS_CACHE_URL=.../2 gives gw0 databases 1 and 2, gw1 3 and 4, and so on.
    """
    env = {"VETTED_VAR_DIR": str(var_dir)}
    for name in FOLDER_VARIABLES:
        if environ.get(name):
            env[name] = str(var_dir / name.lower())
    urls = redis_urls(environ)
    numbers = {name: _redis_db(url) for name, url in urls.items()}
    used = [number for number in numbers.values() if number is not None]
    if used:
        span = max(used) - min(used) + 1
        highest = max(used) + index * span
        if highest > HIGHEST_REDIS_DB:
            raise ValueError(
                f"pytest-xdist worker {index} would need Redis database {highest} (the suite was given "
                f"{', '.join(f'{n}={u}' for n, u in urls.items())}); use fewer workers or lower database numbers"
            )
        for name, url in urls.items():
            if numbers[name] is not None:
                env[name] = _with_redis_db(url, numbers[name] + index * span)
    return env
