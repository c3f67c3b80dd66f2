"""On-prem voice receptionist appliance: SIP, speech engines, dialogue and a local CRM."""

__version__ = "0.1.0"
