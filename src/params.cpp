#include "tasklab/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "tasklab/errors.hpp"

namespace tasklab {
namespace {

std::string bounds_text(const param_spec& s) {
    if (std::isinf(s.min) && std::isinf(s.max)) return "";
    if (std::isinf(s.max)) return fmt::format(" (at least {})", s.min);
    if (std::isinf(s.min)) return fmt::format(" (at most {})", s.max);
    return fmt::format(" (between {} and {})", s.min, s.max);
}

param_values::value parse(const param_spec& s, const std::string& text) {
    const auto fail = [&](std::string_view expected) {
        return usage_error(fmt::format("`{}`: expected {}, got '{}'", s.name, expected, text));
    };
    switch (s.kind) {
    case param_kind::integer: {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
            throw fail("a whole number" + bounds_text(s));
        if (static_cast<double>(v) < s.min || static_cast<double>(v) > s.max)
            throw fail("a whole number" + bounds_text(s));
        return v;
    }
    case param_kind::number: {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || !std::isfinite(v))
            throw fail("a number" + bounds_text(s));
        if (v < s.min || v > s.max) throw fail("a number" + bounds_text(s));
        return v;
    }
    case param_kind::choice:
        if (std::find(s.choices.begin(), s.choices.end(), text) == s.choices.end())
            throw fail(fmt::format("one of {}", fmt::join(s.choices, ", ")));
        return text;
    case param_kind::text: return text;
    }
    throw std::logic_error("unknown param_kind");
}

}  // namespace

param_values::param_values(std::vector<param_spec> specs) : specs_(std::move(specs)) {
    for (const auto& s : specs_) values_[s.name] = parse(s, s.default_value);
}

const param_spec& param_values::spec(const std::string& name) const {
    for (const auto& s : specs_)
        if (s.name == name) return s;
    throw usage_error(fmt::format("unknown parameter `{}`", name));
}

void param_values::set(const std::string& name, const std::string& text) { values_[name] = parse(spec(name), text); }

std::int64_t param_values::integer(const std::string& name) const {
    spec(name);
    return std::get<std::int64_t>(values_.at(name));
}
double param_values::number(const std::string& name) const {
    spec(name);
    return std::get<double>(values_.at(name));
}
const std::string& param_values::choice(const std::string& name) const {
    spec(name);
    return std::get<std::string>(values_.at(name));
}
const std::string& param_values::text(const std::string& name) const { return choice(name); }

}  // namespace tasklab
