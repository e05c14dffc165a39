#! /usr/bin/env python3

# The module's examples that ns-3's test.py runs as smoke tests when it runs examples
# (./test.py, or ./test.py --constrain=example) in an ns-3 tree with contrib/unifiedbus and
# --enable-examples. Each run is small (at most a few seconds on one core of a 2-core machine) and
# exits non-zero on any failure; the figures themselves are checked by the test suites.
#
# A tuple in cpp_examples is (example name and arguments, condition to run it, condition to run it
# under valgrind); the conditions are Python expressions over test.py's configuration variables.
#
# ub-mpi-links is left out: it is built only with MPI and runs under mpirun (test/mpi-test.sh in
# the repository runs it on the MPI route). The results go to results/ubsim.db in test.py's
# output folder (testpy-output), the examples' default.

cpp_examples = [
    ("ub-fabric-demo --pattern=incast --quiet", "True", "True"),
    ("ub-credit-loop", "True", "True"),
    ("ub-memory-latency --maxBytes=4096", "True", "False"),
    ("ub-presets", "True", "True"),
    ("ub-system --preset=nvlink4-h100 --bytes=4096", "True", "True"),
    ("ub-collectives --maxBytes=65536", "True", "True"),
    ("ub-load-latency --preset=nvlink5-gb200 --loads=0.1 --duration=1", "True", "False"),
    ("p2p-sweep --preset=nvlink5-gb200 --maxBytes=64", "True", "False"),
    ("moe-dispatch --preset=nvlink4-h100 --ep=8", "True", "False"),
    ("collective-scaling --domains=8,64 --sizes=65536", "True", "False"),
    (
        "supercluster-allreduce --maxBytes=1048576 --scaleouts=uboe-400g --algos=hierarchical",
        "True",
        "False",
    ),
    (
        "superpod-vs-nvlink --systems=ub,nvl72 --sizes=65536 --accelerated=false"
        " --superclusters=none",
        "True",
        "False",
    ),
]

# The Python examples need the cppyy bindings (contrib/unifiedbus/python), which ns-3's own
# Python bindings do not provide; they run from the repository (./ubsim test python).
python_examples = []
