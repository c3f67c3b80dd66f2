"""Phone numbers to E.164 ('+4930123456'), so caller ID and stored numbers compare equal."""

from __future__ import annotations

import re

from appliance.errors import ApplianceError


class PhoneError(ApplianceError):
    """Not a phone number."""

    code = "crm.bad_phone"


def normalise_phone(raw: str, country_code: str = "1", trunk_prefix: str = "") -> str:
    """E.164 form of `raw`: '+' and digits. National numbers get `country_code`; a national
    trunk prefix (the '0' of '030 123456' in Germany or the UK) is dropped first."""
    text = raw.strip()
    text = re.sub(r"^(sips?|tel):", "", text, flags=re.IGNORECASE).split("@")[0].split(";")[0]
    digits = re.sub(r"[\s().\-/]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not re.fullmatch(r"\+?\d{3,15}", digits):
        raise PhoneError(f"{raw!r} is not a phone number")
    if digits.startswith("+"):
        return digits
    if country_code == "1" and len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    if trunk_prefix and digits.startswith(trunk_prefix):
        digits = digits[len(trunk_prefix):]
    return f"+{country_code}{digits}"


def try_normalise(raw: str, country_code: str = "1", trunk_prefix: str = "") -> str | None:
    """`normalise_phone`, or None for what is not a number (anonymous, a SIP user name)."""
    try:
        return normalise_phone(raw, country_code, trunk_prefix)
    except PhoneError:
        return None
