#pragma once
// A mutex whose lock suspends the awaiting coroutine instead of blocking the thread, for
// tasks that share one io_context (Asio has none: chriskohlhoff/asio#935). Single-threaded
// use only: every operation runs on the io_context's one thread, so its state needs no lock.
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <deque>
#include <memory>
#include <system_error>
#include <utility>

namespace tasklab::detail {

class async_mutex {
public:
    async_mutex() = default;
    async_mutex(const async_mutex&) = delete;
    async_mutex& operator=(const async_mutex&) = delete;

    bool try_lock() noexcept {
        if (locked_) return false;
        locked_ = true;
        return true;
    }

    /// Completes with no error once the caller owns the mutex. Waiters are served first
    /// come, first served, and ownership passes straight to the next waiter, so nobody can
    /// barge in between. `key` names the waiter for cancel().
    template <class CompletionToken>
    auto async_lock(CompletionToken&& token, const void* key = nullptr) {
        return asio::async_initiate<CompletionToken, void(std::error_code)>(
            [this, key](auto handler) {
                // A free mutex still completes through the handler's executor, never inline.
                if (try_lock()) {
                    auto ex = asio::get_associated_executor(handler);
                    asio::post(ex, [h = std::move(handler)]() mutable { std::move(h)(std::error_code{}); });
                    return;
                }
                waiters_.push_back(std::make_unique<waiter<decltype(handler)>>(std::move(handler), key));
            },
            token);
    }
    /// Ends the wait of the waiter named `key` with asio::error::operation_aborted (it does
    /// not get the mutex). False if no such waiter is queued.
    bool cancel(const void* key) noexcept {
        for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
            if ((*it)->key != key) continue;
            auto w = std::move(*it);
            waiters_.erase(it);
            w->resume(asio::error::operation_aborted);
            return true;
        }
        return false;
    }
    void unlock() noexcept {
        if (waiters_.empty()) {
            locked_ = false;
            return;
        }
        auto next = std::move(waiters_.front());
        waiters_.pop_front();
        next->resume({});  // still locked: now owned by `next`
    }

private:
    struct waiter_base {
        explicit waiter_base(const void* k) noexcept : key(k) {}
        virtual ~waiter_base() = default;
        const void* key;
        // Posting the handler can only fail for lack of memory; then there is nothing
        // sensible left to do, and terminating beats a task that waits forever.
        virtual void resume(std::error_code ec) noexcept = 0;
    };

    template <class Handler>
    struct waiter final : waiter_base {
        waiter(Handler h, const void* k)
            : waiter_base(k), handler(std::move(h)), work(asio::get_associated_executor(handler)) {}
        void resume(std::error_code ec) noexcept override {
            auto ex = work.get_executor();
            asio::post(ex, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
            work.reset();
        }
        Handler handler;
        // A waiting coroutine is outstanding work: io_context::run must not return under it.
        asio::executor_work_guard<asio::associated_executor_t<Handler>> work;
    };

    bool locked_ = false;
    std::deque<std::unique_ptr<waiter_base>> waiters_;
};

}  // namespace tasklab::detail
