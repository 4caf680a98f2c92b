#include "tasklab/backends/coroutine.hpp"

#include <asio/io_context.hpp>

#include <deque>

#include "backends/contexts.hpp"

namespace tasklab {

std::string_view coroutine_backend::summary() const noexcept {
    return "every task a coroutine on one io_context, one thread: cooperative";
}

void coroutine_backend::execute(const scenario& s, void* shared_state, std::span<task_record> records,
                                std::int64_t origin_ns) {
    // Declared before the loop so they outlive every coroutine frame that refers to them.
    std::deque<detail::loop_context> contexts;
    detail::async_lock_table locks;
    std::stop_source stop;

    asio::io_context io(1);
    for (auto& record : records) {
        auto& ctx = contexts.emplace_back(task_identity{record.index, records.size(), s.settings.seed}, shared_state,
                                          s.settings.time_scale, stop.get_token(), io.get_executor(), locks);
        detail::spawn_recorded(io, *s.work, ctx, record, origin_ns);
    }
    io.run();
}

}  // namespace tasklab
