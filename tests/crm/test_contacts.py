import pytest

from appliance.crm.contacts import ContactError, name_key
from appliance.crm.phones import PhoneError, normalise_phone


@pytest.mark.parametrize("raw, cc, trunk, expected", [
    ("+1 (555) 123-4567", "1", "", "+15551234567"),
    ("555-123-4567", "1", "", "+15551234567"),
    ("1 555 123 4567", "1", "", "+15551234567"),
    ("030 1234567", "49", "0", "+49301234567"),
    ("0049 30 1234567", "49", "0", "+49301234567"),
    ("sip:+4930123456@trunk.example;user=phone", "49", "0", "+4930123456"),
])
def test_numbers_become_e164(raw, cc, trunk, expected):
    assert normalise_phone(raw, cc, trunk) == expected


@pytest.mark.parametrize("raw", ["anonymous", "", "12", "call me"])
def test_non_numbers_are_refused(raw):
    with pytest.raises(PhoneError):
        normalise_phone(raw)


def test_lookup_by_caller_id_and_by_name_and_birth_date(clinic):
    maria = clinic.contacts.add("María  López", phones=["(555) 123-4567"], date_of_birth="1980-05-03")
    clinic.contacts.add("John Smith", phones=["+1 555 999 0000"])
    assert [c.id for c in clinic.contacts.by_phone("+15551234567")] == [maria.id]
    assert [c.id for c in clinic.contacts.by_phone("sip:5551234567@trunk")] == [maria.id]
    assert clinic.contacts.by_phone("anonymous") == []
    assert [c.id for c in clinic.contacts.by_name_dob("maria lopez", "1980-05-03")] == [maria.id]
    assert clinic.contacts.by_name_dob("maria lopez", "1980-05-04") == []
    assert [c.name for c in clinic.contacts.search("lop")] == ["María  López"]
    assert [c.name for c in clinic.contacts.search("999")] == ["John Smith"]


def test_edit_and_audit(clinic):
    c = clinic.contacts.add("Ann Lee", phones=["555 000 1111"])
    updated = clinic.contacts.update(c.id, notes="prefers mornings", phones=["555 000 2222"])
    assert updated.notes == "prefers mornings" and updated.phones == ("+15550002222",)
    actions = [r["action"] for r in clinic.db.query("SELECT action FROM audit_log WHERE entity = 'contact'")]
    assert actions == ["create", "update"]
    events = [r["event_type"] for r in clinic.db.query("SELECT event_type FROM outbox")]
    assert events == ["contact.created", "contact.updated"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(name=" "), "needs a name"),
    (dict(name="A", date_of_birth="3rd May"), "is not a date"),
    (dict(name="A", date_of_birth="2999-01-01"), "not plausible"),
])
def test_bad_contact_data_is_refused(clinic, kwargs, message):
    with pytest.raises(ContactError, match=message):
        clinic.contacts.add(**kwargs)
    assert clinic.db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0


def test_name_key():
    assert name_key("  José   Müller-Smith ") == "jose muller smith"
