"""The compute task's sum in CPython: two halves of 1..n, one after the other, then on two threads.

tasklab's threads add a core each (docs/models.md, "Threads that compute"); CPython's threads
take turns at the global interpreter lock, so two of them keep one core busy, not two. Each way
runs five times; the medians are printed, with the parallelism (CPU time / wall time) that
tasklab prints for its own runs.

Usage: python3 docs/gil_threads.py [n]   (default 20000000)
"""
import statistics
import sys
import threading
import time


def partial_sum(first, last, out, slot):
    total = 0
    for x in range(first, last + 1):
        total += x
    out[slot] = total


def one_after_the_other(halves, sums):
    for slot, (first, last) in enumerate(halves):
        partial_sum(first, last, sums, slot)


def on_two_threads(halves, sums):
    threads = [threading.Thread(target=partial_sum, args=(first, last, sums, slot))
               for slot, (first, last) in enumerate(halves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def measure(way, halves, n, runs=5):
    """Median wall time and median parallelism of `runs` runs, each checked."""
    walls, parallelisms = [], []
    for _ in range(runs):
        sums = [0, 0]
        wall, cpu = time.perf_counter(), time.process_time()
        way(halves, sums)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert sum(sums) == n * (n + 1) // 2
        walls.append(wall)
        parallelisms.append(cpu / wall)
    return statistics.median(walls), statistics.median(parallelisms)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
    halves = [(1, n // 2), (n // 2 + 1, n)]
    print(f"CPython {sys.version.split()[0]}: sum of 1..{n} in two halves, median of 5 runs each")
    print()
    # Laid out as tasklab's table, with its backend names: sequential, then thread.
    one_wall, one_par = measure(one_after_the_other, halves, n)
    two_wall, two_par = measure(on_two_threads, halves, n)
    print(f"{'backend':<10}  {'wall':>7}  {'parallelism':>11}")
    print(f"{'sequential':<10}  {one_wall:>5.3f} s  {one_par:>11.2f}")
    print(f"{'thread':<10}  {two_wall:>5.3f} s  {two_par:>11.2f}")

if __name__ == "__main__":
    main()
