"""The local control channel between the service and the front-desk GUI (or a script).

A Unix socket speaking JSON lines. The service sends a snapshot on connect, then every call
and registration event as it happens; the client sends commands (`transfer`, `take_over`,
`hangup`, `status`) and gets one reply line per command, matched by its `id`.
"""
