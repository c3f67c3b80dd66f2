"""Calls the box places: appointment reminders, and the front desk's call back."""
