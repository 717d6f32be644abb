"""Django system checks for the TWOCHECKOUT_SSO setting (being written)."""
