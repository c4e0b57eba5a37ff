"""Security of the service: encrypted ID numbers (`fields`), keys from the environment (`keys`),
login events in the audit log (`signals`), `Cache-Control: no-store` (`middleware`)."""
