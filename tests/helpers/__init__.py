"""What the tests share: helpers, their building blocks and constants. Fixtures shared
by several modules are in tests/conftest.py; no test module imports another."""
