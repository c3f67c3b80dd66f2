"""The SIP layer (pjsua2): registration, calls, audio, DTMF, transfers.

Only this package imports pjsua2. One thread owns every pjsua2 object; the rest of the
appliance sees `CallLeg` objects (20 ms PCM frames in and out, events, transfer, hang-up).
"""
