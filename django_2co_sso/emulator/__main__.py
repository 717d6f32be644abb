"""``python -m django_2co_sso.emulator``: run the 2Checkout emulator (see :mod:`.cli`)."""

from django_2co_sso.emulator.cli import main

if __name__ == "__main__":
    main()
