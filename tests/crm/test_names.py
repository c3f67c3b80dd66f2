"""A name as the recogniser wrote it against the name on file."""

import pytest

from appliance.crm.names import same_person_name


@pytest.mark.parametrize("heard, on_file, same", [
    ("Maria Gonzales", "Maria Gonzalez", True), ("Shoban O Neill", "Siobhan O'Neill", True),
    ("maria  LOPEZ", "Maria Lopez", True), ("Maria Lopes", "Maria Lopez", True),
    ("Peter Jones", "Maria Lopez", False), ("Paula Parker", "Peter Parker", False), ("Lopez", "Maria Lopez", False),
    ("Jane Smith", "John Smith", False), ("Mario Garcia", "Maria Lopez", False),
])
def test_the_same_person_by_spelling_or_sound(heard, on_file, same):
    assert same_person_name(heard, on_file) is same
