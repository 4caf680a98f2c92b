#include "tasklab/tasks/builtin.hpp"

#include "tasklab/tasks/compute.hpp"
#include "tasklab/tasks/deposit.hpp"
#include "tasklab/tasks/download.hpp"
#include "tasklab/tasks/fetch.hpp"
#include "tasklab/tasks/meet.hpp"

namespace tasklab {

void add_builtin_tasks(registry& registry) {
    registry.add(std::make_unique<download_task>());
    registry.add(std::make_unique<deposit_task>());
    registry.add(std::make_unique<compute_task>());
    registry.add(std::make_unique<fetch_task>());
    registry.add(std::make_unique<meet_task>());
}

}  // namespace tasklab
