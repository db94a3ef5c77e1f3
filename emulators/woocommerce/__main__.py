"""``python -m emulators.woocommerce --port 8766``"""

from .server import main

main()
