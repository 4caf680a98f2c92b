// fetch against a real outside server: nginx (Debian's nginx-light, installed by
// .ci/install-deps), started here on a loopback port with a generated configuration that
// paces each response by its ?rate= (limit_rate). Hidden from the default run's discovery and
// registered on its own (tests/CMakeLists.txt), so that where nginx cannot be started ctest
// shows the test as skipped, with the reason, instead of passing it silently.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "hygiene.hpp"
#include "support.hpp"
#include "tasklab/http.hpp"

using namespace tasklab;
namespace fs = std::filesystem;

namespace {

/// A port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
    ::close(fd);
    return ntohs(a.sin_port);
}

bool accepts_connections(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// nginx in the foreground, one process, serving `root` at 127.0.0.1:port; stopped and reaped
/// by the destructor.
class nginx {
public:
    /// nullopt, with `why`, when it cannot be started here.
    static std::optional<nginx> start(const fs::path& dir, std::string& why) {
        const fs::path binary = "/usr/sbin/nginx";
        if (!fs::exists(binary)) {
            why = "/usr/sbin/nginx is not installed (.ci/install-deps installs nginx-light)";
            return std::nullopt;
        }
        const auto port = free_port();
        fs::create_directories(dir / "temp");
        std::ofstream(dir / "nginx.conf") << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                                          << "pid " << (dir / "nginx.pid").string() << ";\n"
                                          << "error_log " << (dir / "error.log").string() << ";\n"
                                          << "events { worker_connections 1024; }\n"
                                          << "http {\n  access_log off;\n"
                                          << "  client_body_temp_path " << (dir / "temp").string() << ";\n"
                                          << "  proxy_temp_path " << (dir / "temp").string() << ";\n"
                                          << "  fastcgi_temp_path " << (dir / "temp").string() << ";\n"
                                          << "  uwsgi_temp_path " << (dir / "temp").string() << ";\n"
                                          << "  scgi_temp_path " << (dir / "temp").string() << ";\n"
                                          << "  server {\n    listen 127.0.0.1:" << port << ";\n"
                                          << "    root " << (dir / "root").string() << ";\n"
                                          << "    location /bytes/ {\n      default_type application/octet-stream;\n"
                                          << "      set $limit_rate $arg_rate;\n    }\n  }\n}\n";
        const pid_t pid = ::fork();
        if (pid == 0) {
            const std::string conf = (dir / "nginx.conf").string(), prefix = dir.string() + "/";
            ::execl(binary.c_str(), "nginx", "-c", conf.c_str(), "-p", prefix.c_str(), "-e",
                    (dir / "error.log").c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        nginx n(pid, port);
        for (int i = 0; i < 500 && !accepts_connections(port); ++i) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                n.pid_ = -1;
                std::ifstream log(dir / "error.log");
                std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
                why = "nginx exited at start: " + text;
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!accepts_connections(port)) {
            why = "nginx did not listen within 5 s";
            return std::nullopt;
        }
        return n;
    }

    nginx(nginx&& o) noexcept : pid_(std::exchange(o.pid_, -1)), port_(o.port_) {}
    ~nginx() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    std::uint16_t port() const { return port_; }

private:
    nginx(pid_t pid, std::uint16_t port) : pid_(pid), port_(port) {}
    pid_t pid_;
    std::uint16_t port_;
};

/// The files nginx serves: /bytes/<size>, the same bytes tasklab's server makes.
void write_body(const fs::path& root, std::uint64_t size) {
    fs::create_directories(root / "bytes");
    std::ofstream out(root / "bytes" / std::to_string(size), std::ios::binary);
    for (std::uint64_t k = 0; k < size; ++k) out.put(http::body_byte(k));
}

}  // namespace

TEST_CASE("nginx: fetch on every backend reads the same bytes as from the embedded server", "[.nginx][fetch]") {
    const test::watchdog dog(120);
    const test::hygiene before;
    const fs::path dir = fs::temp_directory_path() / ("tasklab-nginx-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    write_body(dir / "root", 20000);
    {
        std::string why;
        auto server = nginx::start(dir, why);
        if (!server) {
            std::cout << "SKIPPED: nginx cannot be started here: " << why << std::endl;
            fs::remove_all(dir);
            return;
        }
        const auto url = "http://127.0.0.1:" + std::to_string(server->port());
        for (const auto* backend : {"sequential", "coroutine", "thread", "fork"}) {
            INFO(backend);
            const auto from_nginx = test::run_on(backend, test::make("fetch", 4, {{"url", url}, {"size", "20000"}}, 0.02));
            const auto from_embedded = test::run_on(backend, test::make("fetch", 4, {{"size", "20000"}}, 0.02));
            for (const auto* r : {&from_nginx, &from_embedded}) {
                for (const auto& rec : r->records) {
                    INFO("task " << rec.index << ": " << rec.error);
                    CHECK(rec.status == task_status::ok);  // status, length and checksum all checked
                    CHECK(rec.value == 20000);
                }
                CHECK(r->result.check == "4 of 4 bodies complete, checksums match");
            }
            CHECK(from_nginx.result.value == from_embedded.result.value);
        }
    }
    fs::remove_all(dir);
    before.check();
}
