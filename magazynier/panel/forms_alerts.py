"""The form of the notifications page: an alert recipient (name, Apprise addresses, from which severity, which
account). The addresses hold passwords and tokens: the form never shows them back, not even after an error,
and an error names the line, never its text."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

import apprise
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from magazynier.channels.models import ChannelAccount
from magazynier.notifications.models import Recipient

MAX_ADDRESSES = 20


class SecretTextarea(forms.Textarea):
    """A textarea that always starts empty, like PasswordInput(render_value=False): what was typed or saved is
    never sent back to the browser."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class _ThisThread(logging.Filter):
    def __init__(self):
        super().__init__()
        self.ident = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.ident


@contextmanager
def _apprise_silent():
    """Apprise logs the addresses it cannot read (partly masked, but still): keep them out of our logs."""
    logger, quiet = logging.getLogger("apprise"), _ThisThread()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def understood(url: str) -> bool:
    """Whether Apprise can send to this address (the same check as `magazynier alerts add`)."""
    with _apprise_silent():
        return bool(apprise.Apprise().add(url))


class RecipientForm(forms.ModelForm):
    addresses = forms.CharField(
        label=_("Addresses"), required=False, strip=False, max_length=20000,
        widget=SecretTextarea(attrs={"rows": 4, "cols": 70, "autocomplete": "off", "spellcheck": "false",
                                     "placeholder": "mailtos://login:hasło@smtp.example.pl?to=ja@example.pl"}),
        help_text=_("One Apprise address per line, e.g. mailtos://… (e-mail), tgram://… (Telegram), "
                    "ntfy://…, slack://… or json://… (a webhook). The first one is used; when it fails, the next. "
                    "For your safety saved addresses are never shown again."))

    class Meta:
        model = Recipient
        fields = ["name", "min_severity", "account"]
        labels = {"name": _("Name"), "min_severity": _("From severity"), "account": _("Account")}
        help_texts = {"min_severity": _("The least severe alerts this recipient gets.")}

    field_order = ["name", "addresses", "min_severity", "account"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"size": 40, "placeholder": _("e.g. Owner's e-mail")})
        account = self.fields["account"]
        account.queryset = ChannelAccount.objects.order_by("name")
        account.empty_label = _("the whole installation")
        self.saved = len(self.instance.url_list()) if self.instance.pk else 0
        if self.instance.pk:
            addresses = self.fields["addresses"]
            addresses.widget.attrs.pop("placeholder", None)  # an example could pass for the saved address
            addresses.help_text = ngettext(
                "Leave empty to keep the %(count)d saved address.",
                "Leave empty to keep the %(count)d saved addresses.", self.saved) % {"count": self.saved} + (
                " " + str(addresses.help_text))

    def clean_addresses(self) -> list[str]:
        urls, errors = [], []
        for number, line in enumerate((self.cleaned_data.get("addresses") or "").splitlines(), start=1):
            url = line.strip()
            if not url:
                continue
            if not understood(url):
                errors.append(forms.ValidationError(
                    _("Line %(line)d is not an address Apprise understands. Check how it starts (e.g. "
                      "mailtos://, tgram://, ntfy://, json://) and the parts after it against the Apprise "
                      "documentation, or remove the line. For your safety the addresses are not shown again: "
                      "paste them all once more."),
                    code="invalid", params={"line": number}))
            urls.append(url)
        if errors:
            raise forms.ValidationError(errors)
        if len(urls) > MAX_ADDRESSES:
            raise forms.ValidationError(_("At most %(max)d addresses per recipient."), code="too_many",
                                        params={"max": MAX_ADDRESSES})
        if not urls and not self.instance.pk:
            raise forms.ValidationError(_("Enter at least one address."), code="required")
        return urls

    def save(self, commit: bool = True) -> Recipient:
        recipient = super().save(commit=False)
        if self.cleaned_data["addresses"]:  # empty when editing: keep the saved ones
            recipient.urls = "\n".join(self.cleaned_data["addresses"])
        if commit:
            recipient.save()
        return recipient
