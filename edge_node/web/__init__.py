"""The node's web shell: HTML pages and the JSON API over the plain functions of ``edge_node``."""
