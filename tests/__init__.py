"""The test suite, a package so every test module imports its helpers the same way."""
