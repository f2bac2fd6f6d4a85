// written by the live test suite
