"""zen store type ``redis``: a profile's records in a Redis database, under a key prefix."""
