"""Profile one page as a user with cProfile (`python -m bench.profile_page USER URL [REQUESTS]`).

Same client as bench_lists (Django's test client, cache cleared before each
request); prints the functions with the most cumulative and own time. USER
may be "" for a reader. Used to find why a list page misses its p95 target.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys


def main(username: str, url: str, requests: int = 10) -> None:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    client.get(url)  # warm-up: templates, content types
    profile = cProfile.Profile()
    for _ in range(requests):
        cache.clear()
        profile.enable()
        client.get(url)
        profile.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(int(os.environ.get("PROFILE_LINES", "35")))
        print(out.getvalue())


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 10)
