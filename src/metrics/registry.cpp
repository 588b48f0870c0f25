#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace gp::metrics {

namespace {

constexpr char kKeySeparator = '\x1f';  // joins label values in a series key

bool valid_name(std::string_view name, bool colons) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    return std::all_of(name.begin(), name.end(), [colons](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               (colons && c == ':');
    });
}

void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        out.append(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general).ptr);
    }
}

// Label values and HELP text escape the backslash and the newline; label values also
// the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '"' && quote) out += "\\\"";
        else out += c;
    }
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, const std::string& labels,
                   std::string_view extra_label, auto value) {
    out.append(name).append(suffix);
    if (!labels.empty() || !extra_label.empty()) {
        out += '{';
        out += labels;
        if (!labels.empty() && !extra_label.empty()) out += ',';
        out += extra_label;
        out += '}';
    }
    out += ' ';
    if constexpr (std::is_integral_v<decltype(value)>) out += std::to_string(value);
    else append_number(out, value);
    out += '\n';
}

}  // namespace

Histogram::Histogram(std::shared_ptr<const std::vector<double>> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(new std::atomic<std::uint64_t>[bounds_->size() + 1]) {
    for (std::size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
    const auto bucket = std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin();  // first bound >= v
    counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
    std::vector<std::uint64_t> out(bounds_->size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = running += counts_[i].load(std::memory_order_relaxed);
    return out;
}

void render_sample(std::string& out, std::string_view name, const std::string& labels, const Counter& c) {
    append_sample(out, name, "", labels, "", c.value());
}

void render_sample(std::string& out, std::string_view name, const std::string& labels, const Gauge& g) {
    append_sample(out, name, "", labels, "", g.value());
}

void render_sample(std::string& out, std::string_view name, const std::string& labels, const Histogram& h) {
    // The count is the +Inf bucket, so the two always agree within one scrape.
    const auto counts = h.cumulative_counts();
    const auto& bounds = h.upper_bounds();
    for (std::size_t i = 0; i < counts.size(); ++i) {
        std::string le = "le=\"";
        if (i < bounds.size()) append_number(le, bounds[i]);
        else le += "+Inf";
        le += '"';
        append_sample(out, name, "_bucket", labels, le, counts[i]);
    }
    append_sample(out, name, "_sum", labels, "", h.sum());
    append_sample(out, name, "_count", labels, "", counts.back());
}

FamilyBase::FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {
    if (!valid_name(name_, true)) throw std::invalid_argument("bad metric name: " + name_);
    for (const auto& l : label_names_)
        if (!valid_name(l, false) || l.starts_with("__") || (type_ == Type::Histogram && l == "le"))
            throw std::invalid_argument("bad label name for " + name_ + ": " + l);
}

void FamilyBase::render(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    append_escaped(out, help_, false);
    out += "\n# TYPE ";
    out += name_;
    out += type_ == Type::Counter ? " counter\n" : type_ == Type::Gauge ? " gauge\n" : " histogram\n";
    render_series(out);
}

std::string FamilyBase::key_of(std::initializer_list<std::string_view> values) const {
    if (values.size() != label_names_.size())
        throw std::invalid_argument(name_ + " takes " + std::to_string(label_names_.size()) + " label values");
    std::string key;
    bool first = true;
    for (auto v : values) {
        if (!std::exchange(first, false)) key += kKeySeparator;
        key += v;
    }
    return key;
}

std::string FamilyBase::labels_of(const std::string& key) const {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < label_names_.size(); ++i) {
        const std::size_t end = std::min(key.find(kKeySeparator, pos), key.size());
        if (i > 0) out += ',';
        out += label_names_[i];
        out += "=\"";
        append_escaped(out, std::string_view(key).substr(pos, end - pos), true);
        out += '"';
        pos = end + 1;
    }
    return out;
}

template <class Metric>
Family<Metric>& Registry::add(std::unique_ptr<Family<Metric>> family) {
    for (const auto& f : families_)
        if (f->name() == family->name()) throw std::invalid_argument("metric registered twice: " + f->name());
    auto& ref = *family;
    families_.push_back(std::move(family));
    return ref;
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
    return add(std::make_unique<Family<Counter>>(std::move(name), std::move(help), FamilyBase::Type::Counter,
                                                 std::move(label_names), [] { return std::make_unique<Counter>(); }));
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
    return add(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), FamilyBase::Type::Gauge,
                                               std::move(label_names), [] { return std::make_unique<Gauge>(); }));
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<double> upper_bounds,
                                       std::vector<std::string> label_names) {
    if (!std::is_sorted(upper_bounds.begin(), upper_bounds.end()) ||
        std::adjacent_find(upper_bounds.begin(), upper_bounds.end()) != upper_bounds.end())
        throw std::invalid_argument("histogram bounds must ascend: " + name);
    auto bounds = std::make_shared<const std::vector<double>>(std::move(upper_bounds));
    return add(std::make_unique<Family<Histogram>>(std::move(name), std::move(help), FamilyBase::Type::Histogram,
                                                   std::move(label_names),
                                                   [bounds] { return std::make_unique<Histogram>(bounds); }));
}

std::string Registry::render() const {
    std::string out;
    for (const auto& f : families_) f->render(out);
    return out;
}

}  // namespace gp::metrics
