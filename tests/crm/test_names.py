"""A name as the recogniser wrote it against the name on file."""

import pytest

from appliance.crm.names import partly_same_name, same_person_name


@pytest.mark.parametrize("heard, on_file, same", [
    ("Maria Gonzales", "Maria Gonzalez", True), ("Shoban O Neill", "Siobhan O'Neill", True),
    ("Mary Lopez", "Maria Lopez", True), ("maria  LOPEZ", "Maria Lopez", True),
    ("Peter Jones", "Maria Lopez", False), ("Paula Parker", "Peter Parker", False), ("Lopez", "Maria Lopez", False),
])
def test_the_same_person_by_spelling_or_sound(heard, on_file, same):
    assert same_person_name(heard, on_file) is same


@pytest.mark.parametrize("heard, on_file, same", [
    ("Maria Lopes", "Maria Lopez", True), ("Hannah Kowl", "Hannah Kowalski", True),
    ("Paula Parker", "Peter Parker", False), ("John Smith", "Maria Lopez", False),
])
def test_half_a_name_beside_an_exact_date_of_birth(heard, on_file, same):
    assert partly_same_name(heard, on_file) is same
