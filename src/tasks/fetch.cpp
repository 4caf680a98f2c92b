#include "tasklab/tasks/fetch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "tasklab/errors.hpp"
#include "tasklab/http.hpp"
#include "tasklab/http_server.hpp"
#include "tasklab/scenario.hpp"
#include "tasklab/tasks/download.hpp"

namespace tasklab {

std::string_view fetch_task::summary() const {
    return "each task downloads a paced body over HTTP from a real server (I/O-bound, real sockets)";
}

std::vector<param_spec> fetch_task::params() const {
    return {
        {"url", "the server, http://ADDRESS[:PORT][/PATH] (a numeric address), or embedded: tasklab's own "
                "server on 127.0.0.1, started for the run",
         param_kind::text, "embedded", 0, 0, {}},
        // At least a byte: the server paces the body, so an empty one could not last the download's time.
        {"size", "bytes each task downloads", param_kind::integer, "16384", 1, 1 << 30, {}},
        {"min", "shortest download, simulated seconds (as download's)", param_kind::number, "1", 0, 86400, {}},
        {"max", "longest download, simulated seconds", param_kind::number, "10", 0, 86400, {}},
    };
}

namespace {

// Enough for a response head; a longer one is refused, not buffered.
constexpr std::size_t max_head_bytes = 8192;

class fetch_workload final : public workload {
public:
    fetch_workload(http::url server, std::shared_ptr<http::embedded_server> embedded, std::uint64_t size,
                   double min_s, double max_s)
        : server_(std::move(server)),
          embedded_(std::move(embedded)),
          size_(size),
          expected_checksum_(http::body_checksum(size)),  // once, not in every task
          min_s_(min_s),
          max_s_(max_s),
          server_cpu_seen_(embedded_ ? embedded_->cpu_seconds() : -1) {}

    awaitable<task_result> run(context& ctx) const override {
        // The pace of download task i, in real time: the server makes the body last that long.
        const double seconds = download_duration(ctx.identity().seed, ctx.index(), min_s_, max_s_);
        const double real_ms = static_cast<double>(ctx.to_real(sim_seconds{seconds}).count()) / 1e6;
        std::string target = fmt::format("{}/bytes/{}?ms={:.3f}", server_.path, size_, real_ms);
        if (real_ms > 0) target += fmt::format("&rate={:.0f}", static_cast<double>(size_) / real_ms * 1000.0);

        auto c = co_await ctx.connect(server_.server);
        co_await ctx.write_all(c, http::get_request(target, server_.server));
        std::string head;
        const auto head_end = co_await ctx.read_until(c, head, "\r\n\r\n", max_head_bytes);
        std::string why;
        const auto response = http::parse_response_head(std::string_view(head).substr(0, head_end), why);
        if (!response) throw std::runtime_error(fmt::format("{}: {}", to_string(server_.server), why));
        if (response->status != 200)
            throw std::runtime_error(fmt::format("{} answered {} for {}", to_string(server_.server), response->status, target));
        if (response->content_length != size_)
            throw std::runtime_error(fmt::format("{} said Content-Length {}, expected {}", to_string(server_.server),
                                                 response->content_length ? fmt::format("{}", *response->content_length)
                                                                          : std::string("(none)"),
                                                 size_));
        // The body: what came with the head, then exactly the rest of Content-Length. The
        // message ends there (HTTP/1.1 framing), so a server that keeps the connection open
        // after it does not make the task wait, and bytes after it (even in the
        // same read as the head) are not part of it.
        http::checksum sum;
        std::uint64_t got = std::min<std::uint64_t>(head.size() - head_end, size_);
        sum.add(std::string_view(head).substr(head_end, got));
        head = std::string();  // a waiting task keeps no buffer: read_arrived reads into its thread's
        while (got < size_) {
            const auto n = co_await ctx.read_arrived(c, static_cast<std::size_t>(size_ - got),
                                                     [&sum](std::string_view bytes) { sum.add(bytes); });
            if (n == 0) break;
            got += n;
        }
        if (got < size_)
            throw std::runtime_error(fmt::format("the body from {} ended after {} of {} bytes", to_string(server_.server), got, size_));
        if (sum.value() != expected_checksum_)
            throw std::runtime_error(fmt::format("the body from {} has the wrong checksum", to_string(server_.server)));
        co_return task_result{static_cast<std::int64_t>(got)};
    }

    outcome conclude(std::span<const task_record> records, const void* shared) const override {
        auto o = workload::conclude(records, shared);
        if (embedded_) {
            // The server is idle between runs, so what it used since the last conclusion (or
            // since it listened) is what serving this run cost.
            const double now = embedded_->cpu_seconds();
            const double before = server_cpu_seen_.exchange(now);
            if (now >= 0 && before >= 0) o.server_cpu_s = now - before;
        }
        std::size_t complete = 0;
        for (const auto& r : records) complete += r.status == task_status::ok;
        o.check_passed = o.check_passed && complete == records.size();
        o.check = fmt::format("{} of {} bodies complete, checksums match", complete, records.size());
        return o;
    }

private:
    http::url server_;
    std::shared_ptr<http::embedded_server> embedded_;  // kept running while the workload lives
    std::uint64_t size_;
    std::uint64_t expected_checksum_;
    double min_s_;
    double max_s_;
    mutable std::atomic<double> server_cpu_seen_;  // the server's CPU time at the last conclusion
};

}  // namespace

std::unique_ptr<const workload> fetch_task::make(const scenario_settings& settings) const {
    const double min_s = settings.params.number("min");
    const double max_s = settings.params.number("max");
    if (min_s > max_s) throw usage_error(fmt::format("`min` {} is above `max` {}", min_s, max_s));
    const auto size = static_cast<std::uint64_t>(settings.params.integer("size"));
    const auto& text = settings.params.text("url");
    std::shared_ptr<http::embedded_server> embedded;
    http::url server;
    if (text == "embedded") {
        embedded = std::make_shared<http::embedded_server>();
        server.server = embedded->where();
    } else {
        std::string why;
        auto parsed = http::parse_url(text, why);
        if (!parsed) throw usage_error(fmt::format("`url` '{}': {}", text, why));
        server = std::move(*parsed);
    }
    return std::make_unique<fetch_workload>(std::move(server), std::move(embedded), size, min_s, max_s);
}

}  // namespace tasklab
