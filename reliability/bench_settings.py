"""``make bench-api``: the production settings, plus one bare endpoint as the ceiling."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "reliability.bench_urls"
