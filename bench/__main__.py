"""Run every bench/bench_*.py module's main() in name order: `python -m bench`."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    """Set up Django, then run each benchmark module's main()."""
    root = Path(__file__).resolve().parent
    sys.path.insert(0, str(root.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    names = sorted(m.name for m in pkgutil.iter_modules([str(root)]) if m.name.startswith("bench_"))
    only = set(sys.argv[1:])
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main()
