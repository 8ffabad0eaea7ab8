"""Process-wide settings for a serving worker (``wsgi.py`` applies them)."""

from __future__ import annotations

import gc

# Python's default first-generation threshold (700 allocations) runs the
# cyclic collector every few records of a push: a batch of 500 mutations
# keeps tens of thousands of small dicts alive, and each full collection
# also walks the whole app. Measured with bench/sync_bench.py, the collector
# took a fifth of a push. Requests make little cyclic garbage, so collecting
# less often costs little memory.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_for_serving() -> None:
    """Collect cyclic garbage less often, and never re-scan what start-up built."""
    gc.collect()
    gc.freeze()  # the app, its models and schemas stay for the life of the worker
    gc.set_threshold(*GC_THRESHOLDS)
