"""Front-desk desktop GUI (PySide6): a separate process from the appliance service."""
