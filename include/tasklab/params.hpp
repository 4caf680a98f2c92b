#pragma once
// Parameters of a task type, declared once so that the CLI, the JSON report and
// users' own programs all see the same names, defaults and bounds.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace tasklab {

/// text: any value, checked by the task type's make() (a URL, say).
enum class param_kind { integer, number, choice, text };

struct param_spec {
    std::string name;           // option name without dashes, e.g. "amount"
    std::string help;           // one line, shown by --help
    param_kind kind = param_kind::number;
    std::string default_value;  // in the form a user would type it
    double min = -std::numeric_limits<double>::infinity();  // inclusive bounds
    double max = std::numeric_limits<double>::infinity();
    std::vector<std::string> choices;                        // for param_kind::choice
};

/// Values of a task type's parameters, each checked against its spec when set.
class param_values {
public:
    using value = std::variant<std::int64_t, double, std::string>;

    param_values() = default;
    /// Every parameter at its default.
    explicit param_values(std::vector<param_spec> specs);

    /// Parses and checks `text` for parameter `name`; throws usage_error with a message
    /// naming the parameter ("`amount`: expected a whole number, got 'x'").
    void set(const std::string& name, const std::string& text);

    std::int64_t integer(const std::string& name) const;
    double number(const std::string& name) const;
    const std::string& choice(const std::string& name) const;
    const std::string& text(const std::string& name) const;

    const std::map<std::string, value>& all() const noexcept { return values_; }
    const std::vector<param_spec>& specs() const noexcept { return specs_; }

private:
    const param_spec& spec(const std::string& name) const;
    std::vector<param_spec> specs_;
    std::map<std::string, value> values_;
};

}  // namespace tasklab
