"""Allegro's published business limits (shared/research/allegro-api.md §10). One place for each number."""

TITLE_MIN_LENGTH = 12
TITLE_MAX_LENGTH = 75
MAX_IMAGES = 16
MAX_STOCK = 99_999
SAFETY_INFORMATION_MAX_LENGTH = 5000
DESCRIPTION_MAX_BYTES = 40_000
TITLE_MIN_WORDS = 3
# HTML tags Allegro accepts inside a description TEXT item (no attributes allowed on any of them).
DESCRIPTION_ALLOWED_TAGS = frozenset({"h1", "h2", "p", "ul", "ol", "li", "b"})
