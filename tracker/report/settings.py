"""How the 督查通报 counts and looks: the policy's `statistics:` section.

`ReportSettings` is that section's model (`tracker.policy.Statistics`); the
report takes it from `policy.statistics`, so `zzxt report` and `zzxt report
publish` count alike. Every default is this tool's setting, none fixed by the rules.
"""

from __future__ import annotations

from tracker.policy import Statistics as ReportSettings

__all__ = ["ReportSettings"]
