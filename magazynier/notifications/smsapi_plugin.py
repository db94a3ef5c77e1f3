"""`smsapi://` for Apprise: alerts as SMS through SMSAPI.pl, sent with SMSAPI's own `smsapi-client` library.

    smsapi://TOKEN@48500100200[/48600100200…][?from=Sklep][&domain=pl|com|https://api.smsapi.pl/]

TOKEN is an SMSAPI.pl OAuth token (panel → API → tokens, scope "sms"); numbers are 9-digit Polish ones or
international ones with the country code (a leading + is allowed); `from` is a sender name approved in the
SMSAPI.pl panel (without it SMSAPI sends as "Test"); `domain` is `pl` (default), `com`, or the base URL of
another SMSAPI-compatible endpoint (https, or http on this machine only — the emulator in tests).

One message goes out per alert: the title, a new line, the body, whitespace collapsed, and at most two parts
(306 GSM characters). Polish letters are turned into ASCII by SMSAPI.pl itself (`normalize=1`) so a part
holds 160 characters instead of 70; typographic characters that would switch the whole message to Unicode
(—, „”, …, a non-breaking space) are replaced here, and a text cut short ends with "..." — three ASCII dots
rather than "…", which is not in the GSM alphabet and alone would make a 306-character message five parts.

Why a `NotifyBase` subclass rather than `@apprise.decorators.notify`: the decorator's wrapper logs its own
generic "Failed to send … notification." after a failed call, and `delivery.send` keeps the *last* Apprise
warning as the delivery's error, so the real reason ("error 101 (authorization failed)") would be lost. A
subclass also checks the address when it is added (`magazynier alerts add` refuses one without a token or
a valid number), marks the token as secret for Apprise's own `url(privacy=True)`, and names the service
in `Apprise.details()`. Failures are logged through Apprise's logger without the token or phone numbers
and return False; nothing is raised.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

import requests
from apprise import NotifyFormat, NotifyType
from apprise.exception import AppriseImproperlyConfigured
from apprise.manager_plugins import NotificationManager
from apprise.plugins.base import NotifyBase
from apprise.url import PrivacyMode
from smsapi.client import Client
from smsapi.exception import EndpointException, SendException, SmsApiException

SCHEME = "smsapi"
DOMAINS = {"pl": "https://api.smsapi.pl/", "com": "https://api.smsapi.com/"}
MAX_SEPTETS = 306  # two concatenated GSM parts of 153
CUT_MARK = "..."

# SMSAPI.pl's error codes (the ones a send can meet), in our own words
REASONS = {
    8: "request error",
    11: "message empty, too long or not allowed characters",
    12: "message longer than one part",
    13: "no valid phone number",
    14: "sender name not allowed",
    17: "flash message with special characters",
    18: "wrong number of parameters",
    19: "too many messages in one request",
    101: "authorization failed",
    102: "wrong login or password",
    103: "not enough points",
    104: "no such template",
    105: "IP address not allowed",
    200: "sending failed",
    201: "internal error of the gateway",
    202: "too many simultaneous requests",
    203: "too many requests",
    999: "internal error of the gateway",
}

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€")  # two septets each
_POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")  # left for SMSAPI.pl's normalize=1 (one septet each after it)
_TYPOGRAPHIC = {"—": "-", "–": "-", "−": "-", "„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "‚": "'",
                "‘": "'", "’": "'", "…": "...", "•": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "}
_SPACES = re.compile(r"\s+")


def _septets(char: str) -> int:
    return 2 if char in _GSM_EXTENDED else 1


def _gsm_safe(text: str) -> str:
    """Every character either in the GSM alphabet or a Polish letter SMSAPI.pl normalises to ASCII."""
    out = []
    for char in text:
        char = _TYPOGRAPHIC.get(char, char)
        if len(char) > 1 or char in _GSM_BASIC or char in _GSM_EXTENDED or char in _POLISH:
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(plain if plain and all(c in _GSM_BASIC for c in plain) else "?")
    return "".join(out)


def sms_text(title: str, body: str, limit: int = MAX_SEPTETS) -> str:
    """Title, new line, body; whitespace collapsed; at most `limit` septets, a cut text ending with "..."."""
    lines = [_SPACES.sub(" ", part).strip() for part in (title or "", body or "")]
    text = _gsm_safe("\n".join(line for line in lines if line))
    if sum(_septets(c) for c in text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        if used + _septets(char) > limit - len(CUT_MARK):
            break
        kept.append(char)
        used += _septets(char)
    return "".join(kept).rstrip() + CUT_MARK


def _number(target: str) -> str | None:
    digits = re.sub(r"[\s()-]", "", target or "")
    digits = digits[1:] if digits.startswith("+") else digits
    return digits if digits.isdigit() and 9 <= len(digits) <= 15 else None


def _domain(value: str | None) -> str:
    value = (value or "pl").strip()
    if value.lower() in DOMAINS:
        return DOMAINS[value.lower()]
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AppriseImproperlyConfigured("SMSAPI.pl domain must be pl, com or an https:// address.")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise AppriseImproperlyConfigured("SMSAPI.pl over plain http is only allowed on this machine.")
    return value if value.endswith("/") else value + "/"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NotifySMSAPI(NotifyBase):
    """SMS through SMSAPI.pl (smsapi-client)."""

    service_name = "SMSAPI.pl"
    service_url = "https://www.smsapi.pl/"
    secure_protocol = SCHEME
    notify_format = NotifyFormat.TEXT
    title_maxlen = 250
    request_rate_per_sec = 0
    templates = ("{schema}://{token}@{targets}",)
    template_tokens = dict(NotifyBase.template_tokens, **{
        "token": {"name": "Access Token", "type": "string", "private": True, "required": True},
        "targets": {"name": "Phone Numbers", "type": "list:string", "required": True},
    })
    template_args = dict(NotifyBase.template_args, **{
        "from": {"name": "Sender Name", "type": "string", "map_to": "sender"},
        "domain": {"name": "Domain", "type": "string"},
        "to": {"alias_of": "targets"},
    })

    def __init__(self, token=None, targets=None, sender=None, domain=None, **kwargs):
        super().__init__(**kwargs)
        self.token = (token or "").strip()
        if not self.token:
            raise AppriseImproperlyConfigured("SMSAPI.pl needs an access token (smsapi://TOKEN@NUMBER).")
        self.targets = []
        for target in targets or []:
            number = _number(target)
            if number:
                self.targets.append(number)
            else:
                self.logger.warning("SMSAPI.pl: dropped a phone number that is not one.")
        if not self.targets:
            raise AppriseImproperlyConfigured("SMSAPI.pl needs at least one valid phone number.")
        self.sender = (sender or "").strip() or None
        self.domain = _domain(domain)

    def __repr__(self) -> str:
        return f"<NotifySMSAPI {self.domain} numbers={len(self.targets)}>"

    @property
    def url_identifier(self):
        return (self.secure_protocol, self.token, self.domain)

    def url(self, privacy=False, *args, **kwargs):
        params = self.url_parameters(*args, privacy=privacy, **kwargs)
        if self.sender:
            params["from"] = self.sender
        if self.domain != DOMAINS["pl"]:
            params["domain"] = self.domain
        return "{schema}://{token}@{targets}?{params}".format(
            schema=self.secure_protocol, token=self.pprint(self.token, privacy, mode=PrivacyMode.Secret, safe=""),
            targets="/".join(self.targets), params=self.urlencode(params))

    def __len__(self):
        return 1  # one request carries every number

    def send(self, body, title="", notify_type=NotifyType.INFO, **kwargs):
        text = sms_text(title, body)
        self.throttle()
        options = {"to": self.targets, "message": text, "normalize": 1, "timeout": self.request_timeout}
        if self.sender:
            options["from_"] = self.sender
        where = urlsplit(self.domain).netloc
        try:
            result = Client(self.domain, access_token=self.token).sms.send(**options)
        except SendException as exc:  # SMSAPI.pl answered with {"error": code, …}
            return self._failed(f"SMSAPI.pl refused the message: error {exc.code} "
                                f"({REASONS.get(exc.code, 'see SMSAPI.pl error codes')}).")
        except EndpointException as exc:  # an HTTP error status (the body is not repeated: it may echo input)
            return self._failed(f"SMSAPI.pl ({where}) answered HTTP {exc.code}.")
        except SmsApiException as exc:
            return self._failed(f"SMSAPI.pl client error {exc.code or ''}".rstrip() + ".")
        except requests.Timeout:
            return self._failed(f"SMSAPI.pl ({where}) did not answer in time.")
        except requests.ConnectionError:
            return self._failed(f"Could not connect to SMSAPI.pl ({where}).")
        except Exception as exc:  # never raise out of a notification
            return self._failed(f"SMSAPI.pl delivery failed ({type(exc).__name__}).")
        accepted = len(getattr(result, "results", None) or [])
        if not accepted:
            return self._failed("SMSAPI.pl gave an unexpected answer (no message accepted).")
        if accepted < len(self.targets):
            self.logger.warning("SMSAPI.pl accepted the message for %d of %d numbers.", accepted, len(self.targets))
        self.logger.info("Sent SMSAPI.pl notification to %d number(s), %d SMS part(s) in all.", accepted,
                         sum(getattr(r, "parts", 0) or 0 for r in result.results))
        return True

    def _failed(self, reason: str) -> bool:
        self.logger.warning(reason)
        return False

    @staticmethod
    def parse_url(url):
        results = NotifyBase.parse_url(url, verify_host=False)
        if not results:
            return results
        results["token"] = NotifySMSAPI.unquote(results.get("user") or "")
        targets = [NotifySMSAPI.unquote(results.get("host") or "")]
        targets += NotifySMSAPI.split_path(results.get("fullpath"))
        qsd = results.get("qsd") or {}
        if qsd.get("to"):
            targets += NotifySMSAPI.parse_phone_no(qsd["to"])
        results["targets"] = [t for t in targets if t]
        if qsd.get("from"):
            results["sender"] = NotifySMSAPI.unquote(qsd["from"])
        if qsd.get("domain"):
            results["domain"] = NotifySMSAPI.unquote(qsd["domain"])
        return results


def register() -> None:
    manager = NotificationManager()
    if SCHEME not in manager:
        manager.add(NotifySMSAPI, schemas=SCHEME)


register()
