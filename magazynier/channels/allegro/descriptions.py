"""Allegro offer descriptions built from shop HTML (pure: no models, no I/O).

Allegro's description is a list of sections, each with one or two items: a TEXT item holding a
small subset of HTML (:data:`limits.DESCRIPTION_ALLOWED_TAGS`, no attributes) and/or an IMAGE item.
The whole JSON object must fit :data:`limits.DESCRIPTION_MAX_BYTES` bytes.

Sanitising (:func:`sanitise_html`) first converts common equivalents so that meaning survives, then
runs ``nh3`` with the allowed tags as a final guarantee:

* ``strong`` -> ``b``; ``h3``–``h6`` -> ``h2``; bold inside headings is dropped (plain headings);
* ``br``, ``div`` and other block elements -> paragraph breaks (inside a list item: a space);
* ``em``, ``i``, ``u``, ``span``, ``a``, ``font`` and other inline tags -> their plain text;
* table rows -> list items ("<b>Name:</b> value" for two-cell rows, cells joined with " – " otherwise);
* nested lists are flattened into their outer list;
* ``script``, ``style``, ``iframe``, ``svg`` … are removed with their content, ``img`` is removed;
* text outside a block is wrapped in ``<p>``; empty paragraphs, items and lists are removed;
* without block tags (plain text or WooCommerce-style text), line breaks ("\\n", also the literal
  two characters backslash-n of some exports) start new paragraphs, and lines starting with
  "-", "*", "•" or "–" become a bulleted list.

Layout (:func:`build_description`): see its docstring.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3
from django.utils.translation import gettext as _

from . import limits

SPECIFICATION_HEADING = "Specyfikacja"

_HEADINGS = {"h1": "h1", "h2": "h2", "h3": "h2", "h4": "h2", "h5": "h2", "h6": "h2"}
_BOLD = frozenset({"b", "strong"})
_LISTS = frozenset({"ul", "ol"})
# removed together with everything inside them
_DROP_CONTENT = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "canvas",
     "head", "title", "select", "textarea", "button", "video", "audio", "map", "frameset", "applet"}
)
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote", "pre",
     "figure", "figcaption", "address", "center", "dl", "dt", "dd", "form", "fieldset", "legend",
     "details", "summary", "hr", "body", "html"}
)
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col"})
# converted into an allowed equivalent, so not reported as removed
_CONVERTED = frozenset({"strong", "h3", "h4", "h5", "h6", "br", "div"})
# block tags other than <br>: without them, newlines in the text carry the layout (WooCommerce style)
_BLOCK_TAG_RE = re.compile(
    r"<\s*(p|div|ul|ol|li|h[1-6]|table|tr|section|article|blockquote|pre|dl)\b", re.IGNORECASE
)
_ANY_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(\s[^<>]*)?/?>|<!--")
_BLANK_LINE_RE = re.compile(r"\n[ \t\xa0]*\n")
_BULLET_RE = re.compile(r"^\s*[-*•–]\s+(?=\S)")
_SPACE_RE = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------------
# HTML -> allowed blocks
# --------------------------------------------------------------------------------------------------


@dataclass
class _Block:
    kind: str  # "p" | "h1" | "h2" | "ul" | "ol"
    runs: list[tuple[str, bool]] = field(default_factory=list)  # for p / headings: (text, bold)
    items: list[list[tuple[str, bool]]] = field(default_factory=list)  # for lists


def _render_runs(runs: list[tuple[str, bool]], allow_bold: bool = True) -> str:
    """Escape text, wrap bold runs in <b>, collapse whitespace and trim the ends."""
    merged: list[list] = []
    for text, bold in runs:
        text = _SPACE_RE.sub(" ", text)
        bold = bold and allow_bold
        if merged and merged[-1][1] == bold:
            merged[-1][0] += text
        else:
            merged.append([text, bold])
    # trim the outer whitespace, moving a bold run's edge spaces outside the <b>
    if merged:
        merged[0][0] = merged[0][0].lstrip()
        merged[-1][0] = merged[-1][0].rstrip()
    out: list[str] = []
    for text, bold in merged:
        if not text:
            continue
        if bold and text.strip():
            lead = " " if text[0] == " " else ""
            trail = " " if text[-1] == " " else ""
            out.append(f"{lead}<b>{html.escape(text.strip(), quote=False)}</b>{trail}")
        else:
            out.append(html.escape(text, quote=False))
    rendered = _SPACE_RE.sub(" ", "".join(out)).strip()
    return rendered


def _has_text(runs: list[tuple[str, bool]]) -> bool:
    return any(text.strip() for text, _bold in runs)


class _Converter(HTMLParser):
    """Walk arbitrary HTML and collect blocks that only use Allegro's tags."""

    def __init__(self, autop: bool):
        super().__init__(convert_charrefs=True)
        self.autop = autop  # line breaks in text are paragraph breaks (no block tags in the input)
        self.blocks: list[_Block] = []
        self.removed: set[str] = set()
        self.runs: list[tuple[str, bool]] = []
        self.kind = "p"  # kind of the block being collected: p / h1 / h2
        self.bold = 0
        self.skip: list[str] = []
        self.list_depth = 0
        self.auto_list = False  # a list made from "- " lines of plain text
        self.list_block: _Block | None = None
        self.in_item = False
        self.table_depth = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.table_block: _Block | None = None

    # ---- block management ------------------------------------------------------------------------
    def flush(self) -> None:
        """End the paragraph / heading / list item being collected."""
        runs, self.runs = self.runs, []
        if not _has_text(runs):
            return
        if self.list_block is not None:
            self.list_block.items.append(runs)
        else:
            self.blocks.append(_Block(self.kind, runs=runs))

    def end_blocks(self) -> None:
        """End the paragraph or list being collected (before a heading or a table)."""
        if self.list_block is not None:
            self.close_list()
        else:
            self.flush()

    def open_list(self, kind: str) -> None:
        self.flush()
        if self.list_block is None:
            self.list_block = _Block(kind)
            self.blocks.append(self.list_block)

    def close_list(self) -> None:
        self.flush()
        self.list_block = None
        self.in_item = False
        self.auto_list = False
        self.list_depth = 0

    def break_paragraph(self) -> None:
        if self.table_depth:
            self.add_text(" ")
        elif self.list_block is not None and self.in_item:
            self.add_text(" ")
        else:
            if self.auto_list or (self.list_block is not None and not self.list_depth):
                self.close_list()
            self.flush()

    def add_text(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        elif self.table_depth:
            if text.strip():  # stray text in a table: a row of its own
                self.start_row()
                self.cell = [text]
                self.end_row()
        else:
            if self.list_block is not None and not self.in_item and not self.auto_list and text.strip():
                if self.list_depth:
                    self.in_item = True  # text between list items: an item of its own
                else:
                    self.close_list()  # text after a stray <li>: the implicit list is over
            self.runs.append((text, bool(self.bold) and self.kind == "p"))

    # ---- tables ----------------------------------------------------------------------------------
    def start_row(self) -> None:
        self.end_row()
        self.row = []

    def end_row(self) -> None:
        self.end_cell()
        row, self.row = self.row, None
        if not row:
            return
        cells = [_SPACE_RE.sub(" ", c).strip() for c in row]
        cells = [c for c in cells if c]
        if not cells:
            return
        if self.table_block is None:
            self.table_block = _Block("ul")
            self.blocks.append(self.table_block)
        if len(cells) == 2:
            runs = [(cells[0].rstrip(":").rstrip() + ":", True), (" " + cells[1], False)]
        else:
            runs = [(" – ".join(cells), False)]
        self.table_block.items.append(runs)

    def start_cell(self) -> None:
        if self.row is None:
            self.row = []
        self.end_cell()
        self.cell = []

    def end_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell))
        self.cell = None

    # ---- parser callbacks ------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._note(tag)
        if self.skip:
            if tag == self.skip[-1] or tag in _DROP_CONTENT:
                self.skip.append(tag)
            return
        if tag in _DROP_CONTENT:
            self.skip.append(tag)
            return
        if tag in _TABLE_PARTS:
            self.table_tag(tag, start=True)
        elif self.table_depth:
            if tag in _BLOCKS or tag in _LISTS or tag in _HEADINGS or tag in ("li", "br"):
                self.add_text(" ")
        elif tag in _BOLD:
            self.bold += 1
        elif tag in _HEADINGS:
            if self.in_item:
                self.add_text(" ")
                return
            self.end_blocks()
            self.kind = _HEADINGS[tag]
        elif tag in _LISTS:
            if self.auto_list:
                self.close_list()
            self.list_depth += 1
            if self.list_block is None:
                self.open_list(tag)
            else:  # nested list: its items join the outer list
                self.flush()
                self.in_item = False
        elif tag == "li":
            if self.list_block is None or self.auto_list:
                if self.auto_list:
                    self.close_list()
                self.open_list("ul")
            self.flush()
            self.in_item = True
        elif tag == "br" or tag in _BLOCKS:
            self.break_paragraph()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img", "col", "input", "wbr", "meta", "link", "source", "area"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self._note(tag)
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag in _TABLE_PARTS:
            self.table_tag(tag, start=False)
        elif self.table_depth:
            if tag in _BLOCKS or tag in _LISTS or tag in _HEADINGS or tag == "li":
                self.add_text(" ")
        elif tag in _BOLD:
            self.bold = max(self.bold - 1, 0)
        elif tag in _HEADINGS:
            if self.in_item:
                self.add_text(" ")
                return
            self.flush()
            self.kind = "p"
        elif tag in _LISTS:
            self.list_depth = max(self.list_depth - 1, 0)
            if self.list_depth == 0:
                self.close_list()
            else:
                self.flush()
                self.in_item = False
        elif tag == "li":
            self.flush()
            self.in_item = False
        elif tag in _BLOCKS:
            self.break_paragraph()

    def table_tag(self, tag: str, start: bool) -> None:
        if tag == "table":
            if start:
                if not self.table_depth:
                    self.end_blocks()
                    self.table_block = None
                self.table_depth += 1
            elif self.table_depth:
                self.table_depth -= 1
                if not self.table_depth:
                    self.end_row()
                    self.table_block = None
            return
        if not self.table_depth:  # a stray table part outside a table: a paragraph break
            self.break_paragraph()
            return
        if tag in ("tr", "caption"):
            if start:
                self.start_row()
                if tag == "caption":
                    self.start_cell()
            else:
                self.end_row()
        elif tag in ("td", "th"):
            if start:
                self.start_cell()
            else:
                self.end_cell()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.autop:
            for index, part in enumerate(_BLANK_LINE_RE.split(data)):
                if index:  # a blank line ends a paragraph even between tags
                    self.break_paragraph()
                self.add_text(part)
            return
        lines = data.split("\n")
        for index, line in enumerate(lines):
            if index:
                self.line_break()
            if not line:
                continue
            bullet = _BULLET_RE.match(line)
            if bullet and not self.runs and not self.table_depth and self.kind == "p" and (
                self.list_block is None or self.auto_list
            ):
                if not self.auto_list:
                    self.open_list("ul")
                    self.auto_list = True
                self.in_item = True
                line = line[bullet.end():]
            elif self.auto_list and not self.runs and line.strip():
                self.close_list()
            self.add_text(line)

    def line_break(self) -> None:
        """A newline in text without block tags (WooCommerce style): a new paragraph or list item."""
        if self.auto_list:
            self.flush()
            self.in_item = False
        else:
            self.break_paragraph()

    def _note(self, tag: str) -> None:
        if tag not in limits.DESCRIPTION_ALLOWED_TAGS and tag not in _CONVERTED:
            self.removed.add(tag)

    def finish(self) -> list[_Block]:
        self.close()
        if self.table_depth:
            self.end_row()
        if self.list_block is not None:
            self.close_list()
        self.flush()
        return self.blocks


def _normalise_input(text: str) -> str:
    text = text or ""
    # literal "\n" / "\r\n" sequences from CSV exports; a real backslash before "n" in prose is rare
    text = text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", " ")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blocks_html(source: str) -> tuple[list[str], tuple[str, ...]]:
    """Sanitised HTML of every block, and the sorted names of removed tags."""
    source = _normalise_input(source)
    has_tags = bool(_ANY_TAG_RE.search(source))
    converter = _Converter(autop=not _BLOCK_TAG_RE.search(source))
    if has_tags:
        converter.feed(source)
    else:  # plain text: "<" and "&" are just characters
        converter.handle_data(html.unescape(source))
    blocks = converter.finish()
    rendered: list[str] = []
    for block in blocks:
        if block.kind in _LISTS:
            items = [_render_runs(runs) for runs in block.items]
            items = [f"<li>{item}</li>" for item in items if item]
            if items:
                rendered.append(f"<{block.kind}>{''.join(items)}</{block.kind}>")
        else:
            text = _render_runs(block.runs, allow_bold=block.kind == "p")
            if text:
                rendered.append(f"<{block.kind}>{text}</{block.kind}>")
    # the final guarantee: nothing but the allowed tags, no attributes, no comments
    cleaned = [_nh3_clean(block) for block in rendered]
    return [block for block in cleaned if block], tuple(sorted(converter.removed))


def _nh3_clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=set(limits.DESCRIPTION_ALLOWED_TAGS),
        clean_content_tags=set(_DROP_CONTENT),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )


def sanitise_html(html_text: str) -> tuple[str, tuple[str, ...]]:
    """Convert shop HTML (or plain text) into the HTML Allegro accepts in a TEXT item.

    Returns the clean HTML and the sorted names of the tags that were stripped (tags converted to an
    allowed equivalent, such as ``strong`` or ``h3``, are not listed). See the module docstring.
    """
    blocks, removed = _blocks_html(html_text)
    return "".join(blocks), removed


# --------------------------------------------------------------------------------------------------
# Layout and size
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltDescription:
    """Allegro's offer ``description`` object, with what was removed and what is still wrong."""

    payload: dict  # {"sections": [{"items": [{"type": "TEXT", "content": "<p>…</p>"}, {"type": "IMAGE", "url": …}]}]}
    removed_tags: tuple[str, ...]  # distinct HTML tag names stripped by sanitising (sorted)
    byte_size: int  # UTF-8 size of the JSON-serialised payload (how Allegro counts the limit)
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(eq=False)
class _Section:
    role: str  # "short" | "long" | "images" | "spec"
    blocks: list[str]  # TEXT content, one entry per block (empty for image-only sections)
    image: str = ""
    image_first: bool = False

    def items(self) -> list[dict]:
        items: list[dict] = []
        if self.blocks:
            items.append({"type": "TEXT", "content": "".join(self.blocks)})
        if self.image:
            image = {"type": "IMAGE", "url": self.image}
            items.insert(0 if self.image_first else len(items), image)
        return items


def payload_size(payload: dict) -> int:
    """UTF-8 size of the compact JSON serialisation of ``payload``."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _json_text_size(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def _payload(sections: list[_Section]) -> dict:
    return {"sections": [{"items": items} for items in (s.items() for s in sections) if items]}


def _split_at_headings(blocks: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    for block in blocks:
        if not chunks or block.startswith(("<h1>", "<h2>")):
            chunks.append([])
        chunks[-1].append(block)
    return chunks


def _specification(parameters: Sequence[tuple[str, str]]) -> list[str]:
    items: list[str] = []
    for pair in parameters:
        try:
            name, value = pair
        except (TypeError, ValueError):
            continue
        name = _SPACE_RE.sub(" ", str(name or "")).strip().rstrip(":").strip()
        value = _SPACE_RE.sub(" ", str(value or "")).strip()
        if name and value:
            items.append(f"<li><b>{html.escape(name, quote=False)}:</b> {html.escape(value, quote=False)}</li>")
    if not items:
        return []
    return [f"<h2>{SPECIFICATION_HEADING}</h2>", f"<ul>{''.join(items)}</ul>"]


def _clean_urls(image_urls: Sequence[str]) -> list[str]:
    urls: list[str] = []
    for url in image_urls or ():
        url = str(url or "").strip()
        if url and url not in urls:
            urls.append(url)
    return urls[: limits.MAX_IMAGES]


def _cut_block_text(block: str, budget: int) -> str:
    """The block's text as one paragraph cut at a word boundary to at most ``budget`` JSON bytes."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", block))
    words = _SPACE_RE.sub(" ", text).strip().split(" ")
    low, high = 0, len(words)
    while low < high:  # the longest prefix of words that fits
        middle = (low + high + 1) // 2
        candidate = f"<p>{html.escape(' '.join(words[:middle]), quote=False)} …</p>"
        if _json_text_size(candidate) <= budget:
            low = middle
        else:
            high = middle - 1
    if not low:
        return ""
    return f"<p>{html.escape(' '.join(words[:low]), quote=False)} …</p>"


def _only_headings(blocks: list[str]) -> bool:
    return bool(blocks) and all(block.startswith(("<h1>", "<h2>")) for block in blocks)


def _fit_size(sections: list[_Section], problems: list[str]) -> list[_Section]:
    """Drop image-only sections, then text blocks at the end, until the payload fits the byte limit."""
    limit = limits.DESCRIPTION_MAX_BYTES
    size = payload_size(_payload(sections))
    if size <= limit:
        return sections
    dropped_images = 0
    dropped_blocks = 0
    cut_paragraph = False
    # 1. image-only sections, from the last one back
    for section in reversed([s for s in sections if s.role == "images"]):
        if size <= limit:
            break
        sections.remove(section)
        dropped_images += 1
        size = payload_size(_payload(sections))
    # 2. text blocks: the long description from its last section back, then the specification, then
    #    the short description; a section whose text is gone goes with its image; the very last text
    #    block left is shortened at a word boundary instead of being dropped
    order = (
        list(reversed([s for s in sections if s.role == "long"]))
        + [s for s in sections if s.role == "spec"]
        + [s for s in sections if s.role == "short"]
    )
    text_blocks_left = sum(len(s.blocks) for s in sections)
    for section in order:
        while size > limit and section.blocks:
            if text_blocks_left == 1:
                budget = _json_text_size(section.blocks[0]) - (size - limit)
                section.blocks[0] = _cut_block_text(section.blocks[0], budget)
                cut_paragraph = True
                if not section.blocks[0]:
                    section.blocks.pop()
                    text_blocks_left -= 1
                    dropped_blocks += 1
            else:
                block = section.blocks.pop()
                text_blocks_left -= 1
                dropped_blocks += 1
                if _only_headings(section.blocks) and text_blocks_left > len(section.blocks):
                    # a heading does not outlive its text
                    text_blocks_left -= len(section.blocks)
                    dropped_blocks += len(section.blocks)
                    section.blocks.clear()
                if section.blocks:  # JSON escaping is per character, so sizes simply add up
                    size -= _json_text_size(block)
                    continue
            if not section.blocks:
                dropped_images += 1 if section.image else 0
                sections.remove(section)
            size = payload_size(_payload(sections))
        if size <= limit:
            break
    cuts = []
    if dropped_images:
        cuts.append(_("left out %(count)d image(s)") % {"count": dropped_images})
    if dropped_blocks:
        cuts.append(_("left out %(count)d text block(s) at the end") % {"count": dropped_blocks})
    if cut_paragraph:
        cuts.append(_("shortened the last paragraph"))
    problems.append(
        _("The description was over %(limit)d bytes; to fit it: %(cuts)s.") % {"limit": limit, "cuts": ", ".join(cuts)}
    )
    if size > limit:
        problems.append(
            _("The description is still %(size)d bytes, over the limit of %(limit)d.") % {"size": size, "limit": limit}
        )
    return sections


def build_description(
    html: str,
    *,
    short_html: str = "",
    image_urls: Sequence[str] = (),
    parameters: Sequence[tuple[str, str]] = (),
) -> BuiltDescription:
    """Lay out an Allegro description from the shop's long and short descriptions and images.

    * The short description (if any) comes first, with the first image on its left (IMAGE, TEXT).
    * The long description follows, split into sections at every h1/h2 heading; the remaining
      images go beside these text sections, alternating sides (TEXT, IMAGE then IMAGE, TEXT …).
    * Images still left get an IMAGE-only section each; at most :data:`limits.MAX_IMAGES` in total
      (duplicates and blank URLs are ignored).
    * ``parameters`` become a final TEXT section: "Specyfikacja" and a list of "<b>Name:</b> value".
    * Over :data:`limits.DESCRIPTION_MAX_BYTES`: image-only sections go first, then text blocks
      from the end of the long description (then the specification, then the short description);
      a text section left without text goes with its image; the last remaining block is shortened
      at a word boundary. What was cut is reported in ``problems``.
    """
    short_blocks, short_removed = _blocks_html(short_html)
    long_blocks, long_removed = _blocks_html(html)
    images = _clean_urls(image_urls)
    sections: list[_Section] = []
    image_first = True
    if short_blocks:
        sections.append(_Section("short", short_blocks))
    for chunk in _split_at_headings(long_blocks):
        sections.append(_Section("long", chunk))
    for section in sections:
        if not images:
            break
        section.image = images.pop(0)
        section.image_first = image_first
        image_first = not image_first
    sections.extend(_Section("images", [], image=url) for url in images)
    spec = _specification(parameters)
    if spec:
        sections.append(_Section("spec", spec))

    problems: list[str] = []
    if not short_blocks and not long_blocks and not spec:
        problems.append(_("The description has no text."))
    sections = _fit_size(sections, problems)
    payload = _payload(sections)
    return BuiltDescription(
        payload=payload,
        removed_tags=tuple(sorted(set(short_removed) | set(long_removed))),
        byte_size=payload_size(payload),
        problems=tuple(problems),
    )
