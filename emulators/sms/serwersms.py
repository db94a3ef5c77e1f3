"""SerwerSMS.pl HTTPS API v2 ``messages/send_sms``: login and password in the request (a JSON body or form
fields), one text to one or more numbers in international form (+48…). Answers are JSON with HTTP 200:
``{"success": true, "queued", "unsent", "items": [...]}`` or ``{"error": {"code", "type", "message"}}``
with SerwerSMS's codes. Without ``utf`` the text goes out as plain GSM (diacritics replaced); with a sender
name it is an SMS FULL, without one an SMS ECO+, each drawn from its own limit (one per part)."""

from __future__ import annotations

import secrets
import time

from . import gsm
from .state import Gateway, Message

MAX_PARTS = 6

ERRORS = {
    1001: ("InvalidUser", "Wrong login or password"),
    1004: ("InvalidID", "Invalid ID parameter"),
    2000: ("ValidationRequiredError", "Required parameters are missing"),
    2001: ("ValidationPhoneError", "Invalid phone number"),
    3000: ("SendError", "The SMS ECO+ limit is used up"),
    3002: ("SendError", "The SMS FULL limit is used up"),
    3101: ("SendError", "The message is empty"),
    3102: ("SendError", "The message is too long"),
}


class Refused(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def error(code: int) -> dict:
    kind, message = ERRORS[code]
    return {"error": {"code": code, "type": kind, "message": message}}


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes")


def _phone(submitted: str) -> str | None:
    digits = str(submitted).strip().replace(" ", "").replace("-", "")
    plus = digits.startswith("+")
    digits = digits[1:] if plus else digits
    if not digits.isdigit():
        return None
    if not plus and len(digits) == 9:
        digits = "48" + digits
    if digits.startswith("48") and len(digits) != 11:
        return None
    return "+" + digits if 10 <= len(digits) <= 15 else None


def send(gateway: Gateway, params: dict) -> dict:
    try:
        return _send(gateway, params)
    except Refused as refused:
        return error(refused.code)


def _send(gateway: Gateway, params: dict) -> dict:
    username, password = str(params.get("username") or ""), str(params.get("password") or "")
    if not username or gateway.serwersms_users.get(username) != password:
        raise Refused(1001)
    if params.get("group_id") not in (None, ""):
        raise Refused(1004)  # contact groups are not emulated
    phones = params.get("phone")
    if phones in (None, "", []):
        raise Refused(2000)
    submitted = phones if isinstance(phones, list) else str(phones).split(",")
    text = str(params.get("text") or "")
    if not text.strip():
        raise Refused(3101)
    if not _flag(params.get("utf")):
        text = gsm.normalize(text)
    coding = gsm.encoding(text)
    parts = gsm.parts(text)
    if parts > MAX_PARTS:
        raise Refused(3102)
    valid = [(p, _phone(p)) for p in submitted if str(p).strip()]
    if not any(phone for _, phone in valid):
        raise Refused(2001)
    sender = str(params.get("sender") or "")
    test = _flag(params.get("test"))
    queued_at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
    items = []
    with gateway.lock:
        needed = parts * sum(1 for _, phone in valid if phone)
        if not test and gateway.serwersms_limit < needed:
            raise Refused(3002 if sender else 3000)
        for raw, phone in valid:
            sms_id = secrets.token_hex(5)
            if phone is None:
                kind, message = ERRORS[2001]
                items.append({"id": sms_id, "phone": str(raw).strip(), "status": "unsent", "error_code": 2001,
                              "error_message": message})
                continue
            items.append({"id": sms_id, "phone": phone, "status": "queued", "queued": queued_at,
                          "parts": parts, "text": text})
            if not test:
                gateway.serwersms_limit -= parts
                gateway.record(Message(id=sms_id, gateway="serwersms", number=phone, text=text,
                                       sender=sender or "ECO+", parts=parts, encoding=coding, cost=str(parts)))
    queued = sum(1 for item in items if item["status"] == "queued")
    return {"success": True, "queued": queued, "unsent": len(items) - queued, "items": items}
