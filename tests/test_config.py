from pathlib import Path

import pytest

from appliance.config import Config, load_config, parse_config
from appliance.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "appliance.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(monkeypatch):
    monkeypatch.delenv("APPLIANCE_CONFIG", raising=False)
    monkeypatch.setattr("appliance.config.DEFAULT_CONFIG_PATHS", ())
    assert load_config() == Config()


def test_values_are_read_and_converted(tmp_path):
    path = write(tmp_path, '[engines]\ndevice = "cpu"\nthreads = 4\n[llm]\ntime_budget_s = 3\n'
                           '[paths]\nmodels = "/srv/models"\n')
    config = load_config(path)
    assert config.engines.device == "cpu" and config.engines.threads == 4
    assert config.llm.time_budget_s == 3.0 and isinstance(config.llm.time_budget_s, float)
    assert config.paths.models == Path("/srv/models")


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("APPLIANCE_CONFIG", str(write(tmp_path, '[engines]\ndevice = "cuda"\n')))
    assert load_config().engines.device == "cuda"


@pytest.mark.parametrize("text, message", [
    ('[engines]\ndevcie = "cpu"\n', "unknown key 'engines.devcie' (did you mean 'engines.device'?)"),
    ('[engines]\ndevice = "gpu"\n', "engines.device must be one of 'auto', 'cpu', 'cuda', got 'gpu'"),
    ('[engines]\nthreads = "two"\n', "engines.threads must be a whole number, got a string"),
    ('[engines]\nthreads = true\n', "engines.threads must be a whole number, got true/false"),
    ('[engines]\nthreads = 0\n', "engines.threads must be 1..64, got 0"),
    ('engines = 3\n', "engines must be a table, got a whole number"),
    ('[llm]\nmax_tokens = 100000\n', "llm.max_tokens must be 1..4096"),
    ('[vad]\nthreshold = 1.5\n', "vad.threshold must be between 0 and 1"),
    ('[paths]\nmodels = ""\n', "paths.models must be a path"),
    ('[sipp]\nuser = "x"\n', "unknown key 'sipp' (did you mean 'sip'?)"),
    ('[sip]\nregister = true\n', "sip.registrar and sip.user are needed"),
    ('[sip]\ntransport = "sctp"\n', "sip.transport must be one of 'udp', 'tcp', 'tls'"),
    ('[sip]\ncodecs = ["opus"]\n', "sip.codecs may hold G722, PCMU and PCMA"),
    ('[sip]\nallowed_sources = "10.0.0.1"\n', "sip.allowed_sources must be a list"),
    ('[transfer]\nstaff_uri = "frontdesk"\n', "transfer.staff_uri must start with sip:"),
])
def test_bad_values_name_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)
    assert err.value.code == "config.invalid"
    assert str(tmp_path) in str(err.value)


def test_invalid_toml_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(write(tmp_path, "[engines\n"))


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml")


def test_parse_config_accepts_an_empty_table():
    assert parse_config({}) == Config()


def test_clinic_profile_and_voice_timing(tmp_path):
    config = load_config(write(tmp_path, '[clinic]\nname = "Riverside Dental"\ntimezone = "Europe/Berlin"\n'
                                         '[clinic.faq]\n"parking" = "Free parking behind the building."\n'
                                         '[voice]\nendpoint_silence_ms = 500\n'))
    assert config.clinic.faq == {"parking": "Free parking behind the building."}
    assert config.voice.endpoint_silence_ms == 500


@pytest.mark.parametrize("text, message", [
    ('[clinic]\ntimezone = "Mars/Olympus"\n', "is not a known time zone"),
    ('[clinic]\ngreeting = "Hi {caller}"\n', "only use the placeholder {name}"),
    ('[clinic]\nfaq = "x"\n', "clinic.faq must be a table"),
    ('[clinic.faq]\nparking = 3\n', "clinic.faq.parking must be a string"),
    ('[voice]\nspeculative_stt_ms = 900\n', "below voice.endpoint_silence_ms"),
])
def test_bad_clinic_and_voice_values(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_the_clinic_s_region_and_disclosure_are_read_and_checked(tmp_path):
    config = load_config(write(tmp_path, '[clinic]\nregion = "US-CA"\n'
                                         'disclosure = "This is the virtual assistant of {name}."\n'))
    assert config.clinic.region == "US-CA" and config.clinic.disclosure_by_law
    assert load_config(write(tmp_path, '[clinic]\nregion = "US"\ndisclosure = ""\n')).clinic.disclosure == ""
    assert Config().clinic.disclosure is None and Config().clinic.disclosure_kept  # unset: always said
    with pytest.raises(ConfigError, match=r"clinic.disclosure must tell callers .* \(the law requires it in the EU"):
        load_config(write(tmp_path, '[clinic]\nregion = "DE"\ndisclosure = "Hello from {name}."\n'))
    with pytest.raises(ConfigError, match="clinic.region must be a country code"):
        load_config(write(tmp_path, '[clinic]\nregion = "California"\n'))
