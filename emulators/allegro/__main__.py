"""``python -m emulators.allegro --port 8765``"""

from .server import main

main()
