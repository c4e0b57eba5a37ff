"""Messages the service sends (e-mail now, text messages for the public side later), each
under an idempotency key, so that a task delivered twice sends once (`fayuan.tasks`)."""
