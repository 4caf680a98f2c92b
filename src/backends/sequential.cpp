#include "tasklab/backends/sequential.hpp"

#include <asio/io_context.hpp>

#include "backends/contexts.hpp"

namespace tasklab {

std::string_view sequential_backend::summary() const noexcept {
    return "one task after another on one thread: the baseline";
}

void sequential_backend::execute(const scenario& s, void* shared_state, std::span<task_record> records,
                                 std::int64_t origin_ns) {
    asio::io_context io(1);
    std::stop_source stop;
    for (auto& record : records) {
        detail::blocking_context ctx({record.index, records.size(), s.settings.seed}, shared_state,
                                     s.settings.time_scale, stop.get_token());
        detail::spawn_recorded(io, *s.work, ctx, record, origin_ns);
        io.run();  // returns when this task is done: nothing else is queued
        io.restart();
    }
}

}  // namespace tasklab
