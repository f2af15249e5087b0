"""A loaded machine's timing: interrupts reach their handler, and tasklets run, after random
delays, as on a busy system (PYDMA_JITTER=1; on in `make test`, seeded by the test's seed).

In a bare simulation the interrupt handler runs in the very step the line rises and the
tasklet right after it, so a client that assumes its callback has run once `tx_status` says
DMA_COMPLETE, or a provider whose synchronize does not wait for its tasklet, passes every
test. With jitter the window between a cookie completing and its callback running is real,
as it is on a loaded CPU, and such bugs show up. The delays are drawn from the test's own
random generator, so `SEED=` reproduces a run exactly.
"""

from __future__ import annotations

import random


class Jitter:
    def __init__(self, rng: random.Random, irq_max_ns: float = 2_000, tasklet_max_ns: float = 5_000) -> None:
        self.rng = rng
        self.irq_max_ns = irq_max_ns
        self.tasklet_max_ns = tasklet_max_ns

    def _draw(self, most: float) -> float:
        """Often nothing (an idle CPU), otherwise up to `most`."""
        return 0.0 if self.rng.random() < 0.5 else self.rng.uniform(0, most)

    def irq_ns(self) -> float:
        """How long this interrupt waits before its handler runs."""
        return self._draw(self.irq_max_ns)

    def tasklet_ns(self) -> float:
        """How long a scheduled tasklet waits before it runs."""
        return self._draw(self.tasklet_max_ns)


jitter: Jitter | None = None


def enable(rng: random.Random, irq_max_ns: float = 2_000, tasklet_max_ns: float = 5_000) -> Jitter:
    global jitter
    jitter = Jitter(rng, irq_max_ns, tasklet_max_ns)
    return jitter


def disable() -> None:
    global jitter
    jitter = None
