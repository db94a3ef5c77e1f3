"""SMSAPI.pl's ``sms.do``: Bearer token, form (or query) parameters, answers in JSON with ``format=json``
(``OK:…`` / ``ERROR:code`` text otherwise). Errors come with HTTP 200 and ``{"error": code, "message": …}``
using SMSAPI.pl's own codes; the points balance is charged per part (0.16 a part, 1.5 × for ``fast``)."""

from __future__ import annotations

import time
from decimal import Decimal

from . import gsm
from .state import Gateway, Message

PRICE = Decimal("0.16")
FAST_PRICE = Decimal("0.24")
DEFAULT_SENDER = "Test"  # every new SMSAPI.pl account may send as "Test"
DEFAULT_MAX_PARTS = 6
PL_MOBILE = ("45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")

ERRORS = {
    8: "Error in request",
    11: "Message too long, empty, or with special characters while nounicode is set",
    13: "No correct phone numbers",
    14: "Sender name not allowed",
    25: "normalize and datacoding cannot be used together",
    101: "Authorization failed",
    103: "Not enough points to send the message",
}


class Refused(Exception):
    def __init__(self, code: int, invalid_numbers: list | None = None):
        super().__init__(code)
        self.code = code
        self.invalid_numbers = invalid_numbers or []


def _flag(params: dict, name: str) -> bool:
    return str(params.get(name, "")).strip().lower() in ("1", "true", "yes")


def _number(submitted: str) -> str | None:
    """48XXXXXXXXX for a Polish mobile (9 digits alone get 48 in front), digits for a foreign one."""
    digits = submitted.strip().replace(" ", "").replace("-", "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if len(digits) == 9:
        digits = "48" + digits
    if digits.startswith("48"):
        return digits if len(digits) == 11 and digits[2:4] in PL_MOBILE else None
    return digits if 10 <= len(digits) <= 15 else None


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def send(gateway: Gateway, authorization: str | None, params: dict) -> dict:
    """Handle one sms.do call; returns the JSON answer (success or error)."""
    try:
        return _send(gateway, authorization, params)
    except Refused as refused:
        answer = {"error": refused.code, "message": ERRORS[refused.code]}
        if refused.invalid_numbers:
            answer["invalid_numbers"] = refused.invalid_numbers
        return answer


def _send(gateway: Gateway, authorization: str | None, params: dict) -> dict:
    token = _bearer(authorization)
    if token is None or token not in gateway.tokens:
        raise Refused(101)
    message = str(params.get("message", ""))
    if not message.strip():
        raise Refused(11)
    if "normalize" in params and "datacoding" in params:
        raise Refused(25)
    sender = str(params.get("from") or DEFAULT_SENDER)
    if sender not in gateway.senders and sender != DEFAULT_SENDER:
        raise Refused(14)
    numbers, invalid = [], []
    for submitted in (n for n in str(params.get("to", "")).split(",") if n.strip()):
        number = _number(submitted)
        if number is None:
            invalid.append({"number": submitted.strip(), "submitted_number": submitted.strip(),
                            "message": "Invalid phone number"})
        else:
            numbers.append((number, submitted.strip()))
    if not numbers:
        raise Refused(13, invalid)
    text = gsm.normalize(message) if _flag(params, "normalize") else message
    coding = gsm.encoding(text)
    if coding != "gsm" and _flag(params, "nounicode"):
        raise Refused(11)
    try:
        max_parts = int(params.get("max_parts") or DEFAULT_MAX_PARTS)
    except ValueError:
        raise Refused(8) from None
    parts = gsm.parts(text)
    if parts > max_parts:
        raise Refused(11)
    price = (FAST_PRICE if _flag(params, "fast") else PRICE) * parts
    test = _flag(params, "test")
    now = int(time.time())
    with gateway.lock:
        if not test and gateway.points < price * len(numbers):
            raise Refused(103)
        accepted = []
        for number, submitted in numbers:
            sms_id = str(17_000_000_000_000_000 + gateway.next_id() * 7919)
            accepted.append({"id": sms_id, "points": float(price), "number": number, "date_sent": now,
                             "submitted_number": submitted, "status": "QUEUE", "error": None,
                             "idx": params.get("idx") or None, "parts": parts})
            if not test:
                gateway.points -= price
                gateway.record(Message(id=sms_id, gateway="smsapi", number=number, text=text, sender=sender,
                                       parts=parts, encoding=coding, cost=str(price)))
    answer: dict = {"count": len(accepted), "list": accepted}
    if invalid:
        answer["invalid_numbers"] = invalid
    if _flag(params, "details"):
        answer.update(message=text, length=gsm.length(text, coding), parts=parts)
    return answer


def as_text(answer: dict) -> str:
    """The answer without format=json: OK:id:points (one per number, ';' between) or ERROR:code."""
    if "error" in answer:
        return f"ERROR:{answer['error']}"
    return ";".join(f"OK:{m['id']}:{m['points']}" for m in answer["list"])
