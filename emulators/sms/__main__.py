"""``python -m emulators.sms --port 8767``"""

from .server import main

main()
