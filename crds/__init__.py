"""Data only: the flagger.app CustomResourceDefinitions, installed as ``flagger_py.crds``."""
