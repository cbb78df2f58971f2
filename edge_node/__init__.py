"""The learning centre's offline server.

Plain functions over one SQLite store, each state change one transaction with its
event (``sync.eventlog``): ``accounts`` (argon2, throttling), ``learners`` (their PINs'
keyed hashes in ``pin_hashes``), ``assessment`` (sessions, sittings, checklist),
``issuance`` (results, credentials, pathways), ``clock`` (whether time may date a
credential), ``trust`` and ``packs`` (what the university sent), ``certificates`` and
``verifying`` (what people see), ``syncing``. ``web`` is the FastAPI shell over them;
``cli`` the command-line one.

A data directory holds ``settings.json``, ``edge.db`` (WAL, ``synchronous=FULL``),
``node.key`` (0600), ``session.secret`` (0600), ``pin.secret`` (0600, the key of the
PINs' hashes), the certificate request and, once enrolled, ``node-certificate.cbor``.
"""
