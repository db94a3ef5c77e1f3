"""records() streams: memory does not follow the file size."""

import inspect
import tracemalloc
from itertools import islice

from magazynier.catalog.importing import parse_file

from .support import write_xlsx

ROWS = 5000
DESCRIPTION = "Opis produktu z polskimi znakami zażółć gęślą jaźń. " * 20  # ~1 KiB per row


def big_csv(path):
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("SKU;Nazwa;Cena;Stan;Opis\r\n")
        for i in range(ROWS):
            out.write(f'SKU-{i};Produkt {i};{i},99;{i % 7};"{DESCRIPTION}"\r\n')
    return path


def peak_bytes(run):
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_records_is_a_lazy_generator(tmp_path):
    path = big_csv(tmp_path / "big.csv")
    assert path.stat().st_size > 5_000_000
    parsed = parse_file(path)
    assert inspect.isgenerator(parsed.records())
    assert peak_bytes(lambda: list(islice(parsed.records(), 10))) < 1_500_000


def test_whole_file_parses_with_memory_far_below_its_size(tmp_path):
    parsed = parse_file(big_csv(tmp_path / "big.csv"))
    count = 0

    def consume():
        nonlocal count
        for _ in parsed.records():
            count += 1

    peak = peak_bytes(consume)
    assert count == 2 * ROWS
    # file ~5.4 MB; allowed growth is the SKU digest registry (~120 B per SKU) plus fixed buffers
    assert peak < 1_500_000 + ROWS * 200


def test_records_can_be_read_twice(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["SKU", "Nazwa"], ["A", "Kubek"], ["B", "Talerz"]])
    parsed = parse_file(path)
    assert list(parsed.records()) == list(parsed.records())
    assert len(list(parsed.records())) == 4
