"""One worker thread that owns the models and runs every request's model calls.

Requests (api.TextJob / api.OneStepJob: validated, prompts encoded) are submitted as Tickets. The
worker admits up to `max_active` of them and advances the active ones round-robin, one model call
each per turn, so 8 streaming clients all see tokens from the start instead of one after another;
up to `max_queued` more wait in order. Beyond that `submit` raises Busy (the server answers 429 with
Retry-After): memory stays bounded by max_active generations (their caches) plus max_queued
prepared requests. A ticket cancelled by its client (a closed stream, a dropped connection) is
dropped at the worker's next turn and its generator closed, which frees its slot and its cache.

Results cross to the event loop with loop.call_soon_threadsafe onto the ticket's asyncio.Queue:
("chunk", dict) per streamed piece, then ("done", response | None) or ("error", exception).
"""
import asyncio
import collections
import threading


class Busy(Exception):
    """The queue is full."""


class Ticket:
    def __init__(self, job, loop):
        self.job, self.loop = job, loop
        self.queue = asyncio.Queue()
        self.cancelled = threading.Event()
        self.steps = None  # the job's step generator, started by the worker

    def cancel(self):
        self.cancelled.set()

    def put(self, kind, item):
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, item))
        except RuntimeError:  # the event loop is gone (shutdown): nobody is listening
            pass


class Scheduler:
    def __init__(self, max_active=8, max_queued=64):
        if max_active < 1 or max_queued < 0:
            raise ValueError(f"Scheduler: max_active must be >= 1 and max_queued >= 0, got {max_active}, {max_queued}")
        self.max_active, self.max_queued = max_active, max_queued
        self._cond = threading.Condition()
        self._pending = collections.deque()
        self._active = []  # touched only by the worker thread
        self._stopping = False
        self._thread = None
        self.stats = {"completed": 0, "cancelled": 0, "failed": 0, "rejected": 0}

    # ---- event-loop side ----
    def start(self):
        self._thread = threading.Thread(target=self._run, name="tinygrad-lite-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout=10.0):
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def submit(self, job, loop):
        ticket = Ticket(job, loop)
        with self._cond:
            if self._stopping:
                raise Busy("the server is shutting down")
            room = self.max_queued + max(0, self.max_active - len(self._active))
            if len(self._pending) >= room:  # drop waiting requests whose clients left before refusing
                kept = [t for t in self._pending if not t.cancelled.is_set()]
                self.stats["cancelled"] += len(self._pending) - len(kept)
                self._pending = collections.deque(kept)
            if len(self._pending) >= room:
                self.stats["rejected"] += 1
                raise Busy(f"the server is busy: {len(self._active)} requests running and {len(self._pending)} queued")
            self._pending.append(ticket)
            self._cond.notify()
        return ticket

    def status(self):
        with self._cond:
            return {"active": len(self._active), "queued": len(self._pending), "max_active": self.max_active,
                    "max_queued": self.max_queued, **self.stats}

    # ---- worker side ----
    def _run(self):
        while True:
            with self._cond:
                while not self._stopping and not self._pending and not self._active:
                    self._cond.wait()
                if self._stopping:
                    break
                while self._pending and len(self._active) < self.max_active:
                    self._active.append(self._pending.popleft())
                turn = list(self._active)
            for ticket in turn:
                self._advance(ticket)
        with self._cond:
            left = list(self._active) + list(self._pending)
            self._active.clear()
            self._pending.clear()
        for ticket in left:
            self._retire(ticket, "failed", RuntimeError("the server is shutting down"))

    def _advance(self, ticket):
        if ticket.cancelled.is_set():
            self._retire(ticket, "cancelled")
            return
        try:
            if ticket.steps is None:
                ticket.steps = ticket.job.steps()
            item = next(ticket.steps)
        except StopIteration:
            ticket.put("done", None if ticket.job.stream else ticket.job.response())
            self._retire(ticket, "completed")
        except Exception as e:  # a model error ends this request, never the worker
            self._retire(ticket, "failed", e)
        else:
            if item is not None and ticket.job.stream:
                ticket.put("chunk", item)

    def _retire(self, ticket, outcome, error=None):
        if ticket.steps is not None:
            ticket.steps.close()  # releases the generation's cache now, not at garbage collection
        if error is not None:
            ticket.put("error", error)
        with self._cond:
            if ticket in self._active:
                self._active.remove(ticket)
            self.stats[outcome] += 1
