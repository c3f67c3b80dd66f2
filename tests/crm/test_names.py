"""A name as the recogniser wrote it against the name on file."""

import pytest

from appliance.crm.names import same_last_name, same_person_name


@pytest.mark.parametrize("heard, on_file, same", [
    ("Maria Gonzales", "Maria Gonzalez", True), ("Shoban O Neill", "Siobhan O'Neill", True),
    ("maria  LOPEZ", "Maria Lopez", True), ("Maria Lopes", "Maria Lopez", True),
    ("Peter Jones", "Maria Lopez", False), ("Paula Parker", "Peter Parker", False), ("Lopez", "Maria Lopez", False),
    ("Jane Smith", "John Smith", False), ("Mario Garcia", "Maria Lopez", False),
    ("Ruth Hedler", "Ruth Adler", True), ("Ruth Smalls", "Ruth Smith", False), ("Rita Hedler", "Ruth Adler", False),
])
def test_the_same_person_by_spelling_or_sound(heard, on_file, same):
    assert same_person_name(heard, on_file) is same


@pytest.mark.parametrize("heard, on_file, same", [
    ("Reese Edler", "Ruth Adler", True), ("The ome de Mars", "Fiona Marsh", True), ("Hand a cowl", "Hannah Kowal", True),
    ("Shaban O Neal", "Siobhan O'Neill", True), ("Brooks", "Walter Brooks", True),
    ("Peter Parker", "Maria Lopez", False), ("Ruth", "Ruth Adler", False),
    # a sound more or less, heard over a phone line
    ("Nora Pike", "Nora Pikes", True), ("Ivan tomb", "Ivan Tam", True), ("Grace O'Toll", "Grace Otoro", True),
    ("Peter Hill", "Peter Barker", False), ("Maria Lopez", "Maria Gomez", False),
])
def test_the_last_name_alone(heard, on_file, same):
    assert same_last_name(heard, on_file) is same
