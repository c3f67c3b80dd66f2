"""The few colours the window uses to say good and bad, in one place."""

ERROR_STYLE = "color: #b00020; font-weight: bold"
WARNING_STYLE = "color: #a15c00; font-weight: bold"
OK_STYLE = "color: #1b7f3b"
