"""A pool of compile worker processes for the autotuner.

Workers are fresh interpreters (`python -m tessera.tune.workers`) that read
pickled jobs on stdin and write pickled results on stdout. Not
multiprocessing: its spawn and forkserver modes re-run the user's main script
in every worker (a script without `if __name__ == "__main__":` would start a
sweep in each), and fork is unsafe once CUDA is initialised in the parent.
Jobs are plain data (resources.run_job), so a worker needs none of the
user's code. A worker that dies costs its jobs' information, never the sweep:
the tuning process compiles whatever was not compiled for it.

Example::

    >>> with WorkerPool(2) as pool:
    ...     pool.map([{"echo": 1}, {"echo": 2}])
    [{'echo': 1}, {'echo': 2}]
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path


class WorkerPool:
    def __init__(self, workers: int):
        self.size = max(1, workers)
        self._procs: list[subprocess.Popen] = []

    def _start(self):
        self._procs = [p for p in self._procs if p.poll() is None]
        env = dict(os.environ)
        # The same tessera as this process, even when it is not installed (a checkout on sys.path).
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        while len(self._procs) < self.size:
            self._procs.append(subprocess.Popen(
                [sys.executable, "-m", "tessera.tune.workers"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=env))

    def map(self, jobs: list) -> list:
        """Results in job order; a job whose worker died gets {"worker_error": ...}."""
        self._start()
        todo: queue.Queue = queue.Queue()
        for i, job in enumerate(jobs):
            todo.put((i, job))
        results: list = [None] * len(jobs)

        def feed(proc):
            while True:
                try:
                    i, job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    pickle.dump(job, proc.stdin)
                    proc.stdin.flush()
                    results[i] = pickle.load(proc.stdout)
                except Exception as e:  # the worker died: its remaining jobs go to the others
                    results[i] = {"worker_error": f"{type(e).__name__}: {e}"}
                    return

        threads = [threading.Thread(target=feed, args=(p,), daemon=True) for p in self._procs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        while not todo.empty():  # every worker died
            i, _ = todo.get_nowait()
            results[i] = {"worker_error": "no worker left"}
        self._procs = [p for p in self._procs if p.poll() is None]
        return results

    def close(self):
        for p in self._procs:
            try:
                p.stdin.close()
                p.wait(timeout=10)
            except Exception:
                p.kill()
        self._procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve(stdin=None, stdout=None) -> None:
    """The worker's loop: a job in, its result out, until stdin closes."""
    stdin = stdin or sys.stdin.buffer
    if stdout is None:
        # Results travel on the original stdout; anything a library prints goes to stderr instead.
        stdout = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
    from .resources import run_job
    while True:
        try:
            job = pickle.load(stdin)
        except EOFError:
            return
        out = dict(job) if "echo" in job else run_job(job)
        pickle.dump(out, stdout)
        stdout.flush()


if __name__ == "__main__":
    serve()
