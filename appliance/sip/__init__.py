"""The SIP layer (pjsua2): registration, calls, audio, DTMF, transfers.

Only this package imports pjsua2 (and the test lab's peer phone, which uses its media port).
One thread owns every pjsua2 object; the call loop sees each call as a `CallLeg`, the SIP
implementation of `appliance.voice.transport.CallTransport`.
"""
