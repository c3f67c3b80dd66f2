"""First-run set-up, shared by `appliance setup` and the front desk's wizard: plain functions that
check the trunk, ring the staff phone, find and check the clinic's calendars, check and save the
settings and call the appliance itself.
Each returns a result to show (`ok`, `message`, `detail`) and never raises for a user's mistake."""

from appliance.setup.calendar import calendar_edits, check_calendar, find_calendars, store_providers
from appliance.setup.result import CheckResult, SelfTestResult, SettingsResult
from appliance.setup.selftest import SELF_TEST_LINE, self_test
from appliance.setup.settings import (
           PROFILE_KEYS,
           check_settings,
           save_settings,
           trunk_edits,
)
from appliance.setup.trunk import check_registration, test_call

__all__ = ["PROFILE_KEYS", "SELF_TEST_LINE", "CheckResult", "SelfTestResult", "SettingsResult", "calendar_edits",
           "check_calendar", "check_registration", "check_settings", "find_calendars", "save_settings", "self_test",
           "store_providers", "test_call", "trunk_edits"]
