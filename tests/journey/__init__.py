"""Helpers of the end-to-end journey test (``tests/test_journey.py``)."""
