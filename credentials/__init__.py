"""Compact signed CBOR micro-credentials: keys, COSE_Sign1 over CWT claims, node certificates,
trust lists, status lists, QR codes and offline verification. Imports nothing else of ours.
"""
