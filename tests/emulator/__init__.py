"""Tests of the local 2Checkout API emulator (raw HTTP, hand-written wire formats)."""
