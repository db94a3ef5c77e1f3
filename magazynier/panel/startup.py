from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model


def print_welcome(host: str, port: int, data_dir: Path) -> None:
    url = f"http://{host}:{port}/"
    print(f"\n  Magazynier działa: {url}\n  Dane: {data_dir}")
    if not get_user_model().objects.exists():
        print("  Pierwsze uruchomienie — załóż konto właściciela w drugim terminalu:\n"
              "      magazynier createuser NAZWA --role owner\n"
              "  (First start — create the owner login with the command above.)")
    print("  Zatrzymanie: Ctrl-C\n", flush=True)
