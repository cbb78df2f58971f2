"""fieldcred: offline-first green-skills micro-credentials for open-source LMSs."""
