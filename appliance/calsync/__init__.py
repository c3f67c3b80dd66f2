"""Two-way sync of the store's appointments with the clinic's CalDAV calendar (RFC 4791, with
sync tokens of RFC 6578): the box's bookings appear there, staff events there are busy time here."""
