// The end-to-end tests' application: one static binary, no dependencies. Test infrastructure only.
module flagger-py.local/testenv/app

go 1.26.0
