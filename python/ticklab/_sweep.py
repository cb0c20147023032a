def sweep(*args, **kwargs):
    raise NotImplementedError
