"""Training data, one job per subpackage.

* :mod:`hush.data.prepare`: corpus recipes, a corpus folder in its official layout to manifest records;
* :mod:`hush.data.mixing`: on-the-fly mixtures, room responses, augmentation and every torch ``Dataset``;
* :mod:`hush.data.curation`: quality scores of records, filtering on them, and cleaned targets.

:mod:`hush.data.manifest` (the record format) and :mod:`hush.data.parallel` (a process pool for per-file work)
are shared by all three.
"""
