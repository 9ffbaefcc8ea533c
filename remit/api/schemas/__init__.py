"""Request and response models, by direction (``...Create``, ``...Update``, ``...Public``)."""
