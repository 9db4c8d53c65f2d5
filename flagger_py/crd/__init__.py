"""The flagger.app CRDs as data, and a checker that judges an object as the API server would.

Promises: pure (no I/O beyond reading the CRD files shipped in the package), and for every
object the same accept / reject verdict as a Kubernetes API server with strict field
validation, with messages written for the person who wrote the YAML.
"""
