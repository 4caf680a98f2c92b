// Our own Catch2 main: a fork child that a test makes must never run the test runner's
// exit path, and a broken pipe must be an error code, not a signal.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <csignal>

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    return Catch::Session().run(argc, argv);
}
