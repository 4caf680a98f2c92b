// The sequential backend: one task after another on the calling thread (the matrix only).
#include "backends/matrix.hpp"

TASKLAB_BACKEND_TESTS(tasklab::sequential_backend, "sequential")
