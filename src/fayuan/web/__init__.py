"""The staff home page (指派期限): a small page outside the admin and the API."""
