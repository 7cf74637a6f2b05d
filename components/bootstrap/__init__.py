"""The bootstrap: what must exist before the landing zone's first ``pulumi up`` in CI, as a Pulumi program of its
own (``bootstrap/``): a state backend, a secrets-provider key, and the CI identities GitHub Actions assumes through
OIDC federation, with least-privilege deployer permissions written out as data (``data/``)."""
