"""Traffic routers (entry-point group ``flagger_py.routers``): one module per mesh or ingress."""
