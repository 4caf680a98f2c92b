// Writes the seed corpus for wire_fuzz: a few valid frames, encoded by wire::encode at run
// time (so the seeds always match the current format; no binary files in the tree).
// Usage: make_seeds DIR
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "wire.hpp"

using namespace tasklab;

namespace {

bool write(const std::string& path, const std::vector<std::byte>& frame) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    return static_cast<bool>(out);
}

std::vector<wait_span> spans(std::size_t n) {
    std::vector<wait_span> w(n);
    for (std::size_t i = 0; i < n; ++i) {
        w[i].start_ns = static_cast<std::int64_t>(i) * 1000;
        w[i].end_ns = w[i].start_ns + static_cast<std::int64_t>(i % 7) * 100;
        w[i].kind = static_cast<wait_kind>(i % 3);
    }
    return w;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    std::vector<task_record> seeds;

    task_record ok;  // a plain success
    ok.status = task_status::ok;
    ok.value = 5050;
    ok.start_ns = 1'000;
    ok.end_ns = 2'500'000;
    ok.worker = 4242;
    ok.cpu_ns = 2'400'000;
    seeds.push_back(ok);

    task_record failed;  // a failure with a message and no CPU figure
    failed.status = task_status::failed;
    failed.value = std::numeric_limits<std::int64_t>::min();
    failed.start_ns = 12;
    failed.end_ns = 3'456'789;
    failed.worker = 1;
    failed.error = "boom: the task threw";
    seeds.push_back(failed);

    task_record waits = ok;  // a few wait spans of every kind
    waits.status = task_status::cancelled;
    waits.waits = spans(5);
    seeds.push_back(waits);

    task_record largest = failed;  // the largest frame: the longest error, all the spans
    largest.error.assign(wire::max_error_bytes, 'x');
    largest.waits = spans(max_wait_spans + 1);  // cut to max_wait_spans, marked truncated
    largest.cpu_ns = std::numeric_limits<std::int64_t>::max();
    seeds.push_back(largest);

    task_record empty;  // defaults, times equal
    empty.status = task_status::ok;
    seeds.push_back(empty);

    const std::string dir = argv[1];
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        const auto frame = wire::encode(seeds[i]);
        if (!wire::decode(frame)) {
            std::fprintf(stderr, "make_seeds: seed %zu does not decode\n", i);
            return 1;
        }
        const auto path = dir + "/seed-" + std::to_string(i);
        if (!write(path, frame)) {
            std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
            return 1;
        }
    }
    std::printf("make_seeds: %zu frames in %s\n", seeds.size(), dir.c_str());
    return 0;
}
