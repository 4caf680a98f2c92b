#pragma once
// A mutex whose lock suspends the awaiting coroutine instead of blocking the thread, for
// tasks that share one io_context (Asio has none: chriskohlhoff/asio#935). Single-threaded
// use only: every operation runs on the io_context's one thread, so its state needs no lock.
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include <deque>
#include <memory>
#include <utility>

namespace tasklab::detail {

class async_mutex {
public:
    explicit async_mutex(asio::any_io_executor ex) : executor_(std::move(ex)) {}
    async_mutex(const async_mutex&) = delete;
    async_mutex& operator=(const async_mutex&) = delete;

    bool try_lock() noexcept {
        if (locked_) return false;
        locked_ = true;
        return true;
    }

    /// Completes once the caller owns the mutex. Waiters are served first come, first served,
    /// and ownership passes straight to the next waiter, so nobody can barge in between.
    template <class CompletionToken>
    auto async_lock(CompletionToken&& token) {
        return asio::async_initiate<CompletionToken, void()>(
            [this](auto handler) {
                if (try_lock()) {
                    auto ex = asio::get_associated_executor(handler, executor_);
                    asio::post(ex, std::move(handler));
                    return;
                }
                waiters_.push_back(std::make_unique<waiter<decltype(handler)>>(std::move(handler), executor_));
            },
            token);
    }

    void unlock() noexcept {
        if (waiters_.empty()) {
            locked_ = false;
            return;
        }
        auto next = std::move(waiters_.front());
        waiters_.pop_front();
        next->resume();  // still locked: now owned by `next`
    }

private:
    struct waiter_base {
        virtual ~waiter_base() = default;
        // Posting the handler can only fail for lack of memory; then there is nothing
        // sensible left to do, and terminating beats a task that waits forever.
        virtual void resume() noexcept = 0;
    };

    template <class Handler>
    struct waiter final : waiter_base {
        waiter(Handler h, const asio::any_io_executor& fallback)
            : handler(std::move(h)), work(asio::get_associated_executor(handler, fallback)) {}
        void resume() noexcept override {
            auto ex = work.get_executor();
            asio::post(ex, std::move(handler));
            work.reset();
        }
        Handler handler;
        // A waiting coroutine is outstanding work: io_context::run must not return under it.
        asio::executor_work_guard<asio::associated_executor_t<Handler, asio::any_io_executor>> work;
    };

    asio::any_io_executor executor_;
    bool locked_ = false;
    std::deque<std::unique_ptr<waiter_base>> waiters_;
};

}  // namespace tasklab::detail
