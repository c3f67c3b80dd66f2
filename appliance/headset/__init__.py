"""The clinic PC's own microphone and speaker as a call: the front desk talks to the agent
through a headset (`appliance talk`), with the same engines, call loop and store as a phone call."""
