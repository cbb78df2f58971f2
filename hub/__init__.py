"""The university hub: store, ingest of node batches, registry, results, staff and API."""
