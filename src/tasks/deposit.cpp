#include "tasklab/tasks/deposit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>
#include <stdexcept>

#include "tasklab/errors.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab {

std::int64_t account::after_deposit(std::int64_t before, std::int64_t amount) {
    if (amount <= 0) throw std::invalid_argument(fmt::format("a deposit must be positive, got {}", amount));
    if (before > std::numeric_limits<std::int64_t>::max() - amount)
        throw std::overflow_error(fmt::format("depositing {} onto {} would overflow the balance", amount, before));
    return before + amount;
}

std::string_view deposit_task::summary() const {
    return "every task deposits into one shared account: read, hold, write (a race without a lock)";
}

std::vector<param_spec> deposit_task::params() const {
    return {
        {"amount", "money each task deposits (positive)", param_kind::integer, "1",
         static_cast<double>(std::numeric_limits<std::int64_t>::min()),
         static_cast<double>(std::numeric_limits<std::int64_t>::max()), {}},
        {"hold", "time between reading and writing the balance, simulated seconds", param_kind::number, "0.01", 0,
         3600, {}},
        {"sync", "none: load, hold, store (updates get lost); lock: context::locked; atomic: compare-and-swap",
         param_kind::choice, "lock", 0, 0, {"none", "lock", "atomic"}},
    };
}

namespace {

deposit_sync parse_sync(const std::string& text) {
    if (text == "none") return deposit_sync::none;
    if (text == "atomic") return deposit_sync::atomic;
    return deposit_sync::lock;
}

class deposit_workload final : public workload_with_shared<account> {
public:
    deposit_workload(std::int64_t amount, double hold_s, deposit_sync sync, sharing memory)
        : amount_(amount), hold_(hold_s), sync_(sync), memory_(memory) {}

    awaitable<task_result> run(context& ctx) const override {
        auto& acct = ctx.shared<account>();
        switch (sync_) {
        case deposit_sync::none: co_return co_await read_hold_write(ctx, acct);
        case deposit_sync::lock:
            co_return co_await ctx.locked(acct.lock, [&](held_lock& held) -> awaitable<task_result> {
                if (held.owner_died()) repair(acct, held);
                // Recorded before the balance changes, so whoever finds this holder dead can undo
                // it; the balance last, as it marks the snapshot complete.
                acct.in_progress_committed.store(acct.committed.load());
                acct.in_progress_from.store(acct.balance.load());
                const auto result = co_await read_hold_write(ctx, acct);
                acct.in_progress_from.store(account::none);
                co_return result;
            });
        case deposit_sync::atomic: {
            co_await ctx.sleep_for(hold_);
            acct.committing.fetch_add(1);
            std::int64_t before = acct.balance.load();
            std::int64_t after = account::after_deposit(before, amount_);
            while (!acct.balance.compare_exchange_weak(before, after)) after = account::after_deposit(before, amount_);
            acct.committed.fetch_add(1);
            acct.committing.fetch_sub(1);
            co_return task_result{after};
        }
        }
        throw std::logic_error("unknown deposit_sync");
    }

    outcome conclude(std::span<const task_record> records, const void* shared) const override {
        const auto& acct = *static_cast<const account*>(shared);
        shared_outcome s;
        std::size_t ok = 0, saw_own_copy = 0;
        for (const auto& r : records) {
            if (r.status != task_status::ok) continue;
            ++ok;
            if (r.value == amount_) ++saw_own_copy;
        }
        s.actual = acct.balance.load();
        if (memory_ == sharing::private_copy) {
            // Every child counted into its own copy: the parent's count stayed 0, so what the
            // tasks say they deposited is all there is to expect.
            s.expected = static_cast<std::int64_t>(ok) * amount_;
            if (ok > 0 && saw_own_copy == ok)
                s.note = fmt::format("each child changed its own copy: all {} saw a balance of {} after their "
                                     "deposit, the parent's stayed {}",
                                     ok, amount_, s.actual);
        } else {
            const auto committed = expected_commits(acct, s.actual, s.note);
            s.expected = committed * amount_;
            if (s.lost() > 0)
                s.note += fmt::format("{}{} of {} deposits lost", s.note.empty() ? "" : "; ", s.lost() / amount_,
                                      committed);
        }
        if (const auto recovered = acct.recoveries.load(); recovered > 0)
            s.note += fmt::format("{}a holder of the lock died {} time(s): the next holder rolled its half-done "
                                  "deposit back (robust mutex, EOWNERDEAD)",
                                  s.note.empty() ? "" : "; ", recovered);
        outcome o;
        o.value = s.actual;
        // With a lock or an atomic, one process's account must hold every deposit; without
        // one, losses are what the run demonstrates, and private copies are expected to differ.
        if (sync_ != deposit_sync::none && memory_ == sharing::shared) {
            o.check_passed = s.lost() == 0;
            o.check = o.check_passed ? "no deposit lost" : fmt::format("{} lost despite sync", s.lost());
            if (const auto recovered = acct.recoveries.load(); recovered > 0)
                o.check += fmt::format(" ({} recovery)", recovered);
        }
        o.shared = std::move(s);
        return o;
    }

private:
    // The previous holder died inside the lock: undo its half-done deposit, then let the
    // mutex be used again - in that order, so a repairer that dies too leaves the same repair.
    static void repair(account& acct, held_lock& held) {
        if (const auto from = acct.in_progress_from.load(); from != account::none) {
            acct.balance.store(from);
            acct.committed.store(acct.in_progress_committed.load());
        }
        acct.in_progress_from.store(account::none);
        acct.recoveries.fetch_add(1);
        held.make_consistent();
    }

    // The lesson's deposit: read the balance, wait, write what was read plus the amount.
    // Atomic load and store, so without a lock this is a race condition, not a data race.
    awaitable<task_result> read_hold_write(context& ctx, account& acct) const {
        const std::int64_t before = acct.balance.load();
        const std::int64_t after = account::after_deposit(before, amount_);
        co_await ctx.sleep_for(hold_);
        // Counted before the store: a task killed between the two (no lock to repair it) shows
        // as one deposit lost, which it was - never as money nobody deposited.
        acct.committed.fetch_add(1);
        acct.balance.store(after);
        co_return task_result{after};
    }

    // How many deposits the balance should hold. Exact, unless an atomic-mode task died between
    // its compare-and-swap and its count: whether that money landed only the balance can tell,
    // so those few are counted as landed as far as the balance shows them, and the note says so.
    std::int64_t expected_commits(const account& acct, std::int64_t actual, std::string& note) const {
        const auto committed = acct.committed.load();
        const auto cut_off = acct.committing.load();
        if (cut_off <= 0) return committed;
        const auto extra = actual - committed * amount_;
        const auto landed = extra > 0 && extra % amount_ == 0 ? std::min(extra / amount_, cut_off) : 0;
        note = fmt::format("{} deposit(s) cut off by a death between the compare-and-swap and the count; the "
                           "balance holds {} of them",
                           cut_off, landed);
        return committed + landed;
    }

    std::int64_t amount_;
    sim_seconds hold_;
    deposit_sync sync_;
    sharing memory_;
};

}  // namespace

std::unique_ptr<const workload> deposit_task::make(const scenario_settings& settings) const {
    const auto amount = settings.params.integer("amount");
    try {
        // The account's own validation, applied before anything runs: the total the run
        // would deposit must be a valid balance too.
        std::int64_t total = 0;
        for (std::size_t i = 0; i < settings.tasks; ++i) total = account::after_deposit(total, amount);
    } catch (const std::exception& e) {
        throw usage_error(fmt::format("`amount` {}: {}", amount, e.what()));
    }
    return std::make_unique<deposit_workload>(amount, settings.params.number("hold"),
                                              parse_sync(settings.params.choice("sync")), settings.memory);
}

}  // namespace tasklab
