"""Catalog import at scale: rows/s and peak memory for a generated Polish CSV.

Runs `magazynier import products` as a child process on a fresh embedded-default data dir (SQLite), first on
a 20,000-row file and then on a 200,000-row file, and prints rows/s and the child's peak RSS for each. Flat
memory means the two peaks are close even though one file is ten times larger (compared in the same run,
because this machine is noisy). Usage: python bench/bench_import.py [--rows 200000] [--small 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stdnum import ean

WORDS = ["Kubek", "Talerz", "Miska", "Dzbanek", "Patelnia", "Garnek", "Nóż", "Deska", "Łyżka", "Widelec",
         "Koszulka", "Bluza", "Czapka", "Pasek", "Okulary"]
ADJ = ["ceramiczny", "emaliowany", "żeliwny", "bawełniana", "wełniana", "skórzany", "stalowy", "dębowa"]
CATEGORIES = ["Dom i Ogród > Kuchnia > Naczynia", "Dom i Ogród > Kuchnia > Sztućce", "Moda > Odzież > Bluzy",
              "Moda > Dodatki > Paski", "Moda > Dodatki > Okulary"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("SKU;Nazwa;EAN;Cena;VAT;Stan;Kategoria;Opis;Marka\n")
        for i in range(rows):
            body = f"590{i:09d}"
            code = body + ean.calc_check_digit(body)
            name = f"{rnd.choice(WORDS)} {rnd.choice(ADJ)} model {i}"
            price = f"{rnd.randint(5, 999)},{rnd.randint(0, 99):02d}"
            fh.write(f"BENCH-{i:07d};{name};{code};{price};23;{rnd.randint(0, 50)};{rnd.choice(CATEGORIES)};"
                     f"Opis produktu {name}, solidne wykonanie.;Marka {i % 40}\n")


def run_import(path: Path) -> tuple[float, int, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["MAGAZYNIER_DATA_DIR"] = tempfile.mkdtemp(prefix="mgz-bench-")
    cmd = [sys.executable, "-c",
           "import resource, sys; from magazynier.cli import main; code = main(sys.argv[1:]); "
           "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)",
           "import", "products", str(path), "--quiet"]
    subprocess.run([sys.executable, "-m", "magazynier.cli", "migrate"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"import failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    peak = int(result.stdout.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
    return elapsed, peak, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for rows in (args.small, args.rows):
            path = Path(tmp) / f"katalog-{rows}.csv"
            generate(path, rows)
            size_mb = path.stat().st_size / 1e6
            elapsed, peak_kb, out = run_import(path)
            results.append((rows, size_mb, elapsed, peak_kb))
            print(f"{rows:>8,} rows ({size_mb:6.1f} MB): {elapsed:7.1f} s, {rows / elapsed:8,.0f} rows/s, "
                  f"peak RSS {peak_kb / 1024:6.1f} MiB", flush=True)
        (r1, _, _, p1), (r2, _, _, p2) = results
        print(f"file {r2 / r1:.0f}x larger -> peak RSS x{p2 / p1:.2f} "
              f"(+{(p2 - p1) / 1024:.1f} MiB, {1024 * (p2 - p1) / max(1, r2 - r1):.0f} bytes per extra row)")
        print(f"(resource: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
