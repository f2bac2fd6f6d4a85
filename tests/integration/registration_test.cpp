// written by the registration test suite
