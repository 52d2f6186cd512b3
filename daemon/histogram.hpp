#pragma once
// A Prometheus histogram: fixed upper bounds, cumulative on output. Plain data; whoever
// shares one guards it (the tracker's stats mutex, the ingestor's mutex).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace electd::daemon {

class histogram {
public:
    explicit histogram(std::vector<double> bounds = {}) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

    void observe(double v);
    std::uint64_t count() const { return count_; }
    double sum() const { return sum_; }

    /// Appends the _bucket, _sum and _count lines. `labels` is "" or `key="v",key2="w"`.
    void write(std::string& out, std::string_view name, std::string_view labels) const;

    /// Seconds from 100 µs to 10 s, for latencies and commit times.
    static histogram seconds();
    /// Powers of two to 1024, for batch sizes.
    static histogram sizes();

private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_; // per bucket, the last one is +Inf
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

/// Appends the # HELP and # TYPE lines for a metric family.
void write_family(std::string& out, std::string_view name, std::string_view type, std::string_view help);

} // namespace electd::daemon
