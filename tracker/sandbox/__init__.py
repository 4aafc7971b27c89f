"""A local forge in memory that speaks the parts of the Gitea and GitHub APIs zzxt uses.

    with Sandbox(seed=path_or_seed) as sb:
        sb.url          # http://127.0.0.1:PORT; Gitea at /api/v1, GitHub at /api/v3

Modules: `state` (the model both APIs share), `seed` (the seed file),
`routing` (requests, routes, pagination), `gitea_api` and `github_api` (the two
faces), `server` (HTTP, faults, the request log and `Sandbox`).
"""

from tracker.sandbox.seed import DEFAULT_ADMIN_TOKEN, DEFAULT_BOT_TOKEN, Seed, load_seed, parse_seed
from tracker.sandbox.server import Sandbox

__all__ = ["DEFAULT_ADMIN_TOKEN", "DEFAULT_BOT_TOKEN", "Sandbox", "Seed", "load_seed", "parse_seed"]
