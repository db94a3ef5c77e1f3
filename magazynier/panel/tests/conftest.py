"""The Allegro emulator fixtures of the channels app, for the panel's channel pages."""

from magazynier.channels.tests.conftest import allegro_account, emulator  # noqa: F401
from magazynier.channels.tests.test_offers import ready_account  # noqa: F401
