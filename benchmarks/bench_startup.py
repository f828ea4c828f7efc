"""CLI start-up: `calcai --help` against `python -c pass`, measured in the same run.

Run: python benchmarks/bench_startup.py   (prints medians and the ratio; target: +0.1 s at most)
"""

import statistics
import subprocess
import sys
import time


def median_seconds(cmd, runs=15):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    baseline = median_seconds([sys.executable, "-c", "pass"])
    help_ = median_seconds([sys.executable, "-m", "calcai", "--help"])
    version = median_seconds([sys.executable, "-m", "calcai", "--version"])
    print(f"python -c pass      {baseline * 1000:7.1f} ms  (baseline)")
    print(f"calcai --help       {help_ * 1000:7.1f} ms  ratio {help_ / baseline:5.2f}  extra {1000 * (help_ - baseline):6.1f} ms")
    print(f"calcai --version    {version * 1000:7.1f} ms  ratio {version / baseline:5.2f}  extra {1000 * (version - baseline):6.1f} ms")


if __name__ == "__main__":
    main()
