"""Every published schema version of the dataset, one JSON file each (``v<N>.json``).

Kept so the additive-only evolution policy is checked by tests, not just promised: the current
schemas must contain every column of every past version with the same type. A package (not a
plain folder) so the files ship in wheels.
"""
