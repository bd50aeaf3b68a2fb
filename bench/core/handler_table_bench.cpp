// SPDX-License-Identifier: GPL-2.0
//
// Dispatch cost of lk::HandlerTable against a spinlocked and an
// rwlocked table (bench/tables.h), with 1 and 2 dispatching threads:
//
//   no_churn      the slot is registered and nothing else happens
//   churn_other   a background thread unregisters and re-registers handlers
//                 in other slots (on other cache lines than the dispatched
//                 slots) as fast as it can
//   churn_same    the background thread unregisters and re-registers the
//                 dispatched slots themselves, so some dispatches find the
//                 slot empty (column "hit": the fraction that ran a handler)
//
// Each dispatching thread has its own slot, Handler and counter (see
// Dispatcher in tables.h): what the threads share is exactly what the table
// makes them share.
//
// Churn on the lock-free table removes with take() and calls
// lkos_dispatch_sync() once per kChurnBatch removals, as a kernel writer
// that removes handlers at a high rate would: there a grace period
// (synchronize_rcu) takes milliseconds, so it frees removed handlers in
// batches after one grace period (or with call_rcu) rather than calling
// unregister_handler() each time. The host's userspace RCU synchronises in
// a fraction of a microsecond, so a grace period per removal would be
// affordable here, but unrepresentative: in the module that writer would
// spend milliseconds on each removal.
// Every batch still advances the grace-period counter that each dispatch
// reads, so the dispatchers pay for the grace periods' cache-line traffic.
// Column "churn/s": the writer's register+unregister pairs per second.
//
// After the run, the medians are summarised as ns per dispatch, with their
// ratios to the lock-free table, twice: as CPU time (the dispatching
// threads' CPU time / dispatches: what a dispatch costs while its thread
// runs, insensitive to other load on the machine) and as wall time per
// dispatching thread (wall time x threads / dispatches: what it costs a
// thread that must also wait for a CPU). Google Benchmark's own Time column
// is wall time / dispatches of all threads, the inverse of the aggregate
// throughput.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tables.h"

namespace {

using namespace lkbench;

constexpr int kMaxThreads = 2;
constexpr int kChurnBatch = 64;
constexpr usize kChurnFirstSlot = 32;  // slots 32..39: one line of their own
constexpr usize kChurnSlots = 8;

// Thread t dispatches slot 8 * t: in the lock-free table each thread's slot
// is on its own cache line.
constexpr usize dispatch_slot(int t) { return usize(t) * (kLine / sizeof(void*)); }
static_assert(dispatch_slot(kMaxThreads - 1) < kChurnFirstSlot);

enum class Churn { None, OtherSlots, SameSlots };

struct Target {
    usize slot;
    const Handler* handler;
};

// Never called: the churn thread only installs these in slots nobody
// dispatches.
void never_called(void*) { __builtin_trap(); }
const Handler churn_handlers[kChurnSlots] = {
    {never_called, nullptr}, {never_called, nullptr}, {never_called, nullptr}, {never_called, nullptr},
    {never_called, nullptr}, {never_called, nullptr}, {never_called, nullptr}, {never_called, nullptr},
};

// Unregisters and re-registers `targets` round-robin until stopped. Each
// take() is followed by register_handler() of the same handler, so every
// target slot is registered again when the thread stops.
template <class Table> class ChurnThread {
  public:
    void start(Table& table, std::vector<Target> targets) {
        stop_.store(false);
        running_.store(false);
        thread_ = std::thread([this, &table, targets = std::move(targets)] {
            running_.store(true);
            auto t0 = std::chrono::steady_clock::now();
            std::uint64_t pairs = 0;
            usize next = 0;
            while (!stop_.load(std::memory_order_relaxed)) {
                for (int i = 0; i < kChurnBatch; ++i) {
                    const Target& t = targets[next++ % targets.size()];
                    table.take(t.slot);
                    table.register_handler(t.slot, t.handler);
                }
                // The taken handlers could be freed after this.
                if constexpr (Table::kNeedsGracePeriod) lkos_dispatch_sync();
                pairs += kChurnBatch;
            }
            std::chrono::duration<double> s = std::chrono::steady_clock::now() - t0;
            rate_ = double(pairs) / s.count();
        });
        // Running before the timed loop starts.
        while (!running_.load()) std::this_thread::yield();
    }

    // Register+unregister pairs per second.
    double stop() {
        stop_.store(true);
        thread_.join();
        return rate_;
    }

  private:
    std::thread thread_;
    std::atomic<bool> stop_{false}, running_{false};
    double rate_ = 0;
};

template <class Table, Churn kChurn> void BM_dispatch(benchmark::State& state) {
    // Shared by the run's threads. Thread 0 sets up before the loop and
    // tears down after it; Google Benchmark puts a barrier between every
    // thread's loop and both.
    static Table table;
    static Dispatcher dispatchers[kMaxThreads];
    static ChurnThread<Table> churn;

    const int self = state.thread_index();
    const int threads = state.threads();
    if (self == 0) {
        std::vector<Target> targets;
        for (int t = 0; t < threads; ++t) {
            init_dispatcher(dispatchers[t]);
            table.register_handler(dispatch_slot(t), &dispatchers[t].handler);
            if (kChurn == Churn::SameSlots) targets.push_back({dispatch_slot(t), &dispatchers[t].handler});
        }
        if (kChurn == Churn::OtherSlots) {
            for (usize i = 0; i < kChurnSlots; ++i) {
                table.register_handler(kChurnFirstSlot + i, &churn_handlers[i]);
                targets.push_back({kChurnFirstSlot + i, &churn_handlers[i]});
            }
        }
        if (kChurn != Churn::None) churn.start(table, std::move(targets));
    }

    const usize slot = dispatch_slot(self);
    std::uint64_t hits = 0;
    for (auto _ : state) hits += table.handle(slot);

    if (dispatchers[self].count != hits) state.SkipWithError("handler calls do not match hits");
    state.counters["hit"] =
        benchmark::Counter(double(hits) / double(state.iterations()), benchmark::Counter::kAvgThreads);
    if (self == 0) {
        if (kChurn != Churn::None) state.counters["churn/s"] = churn.stop();
        for (usize i = 0; i < kSlots; ++i) table.take(i);
        if constexpr (Table::kNeedsGracePeriod) lkos_dispatch_sync();
    }
}

const char* const kCases[] = {"no_churn", "churn_other", "churn_same"};
const char* const kKinds[] = {"lock-free", "spinlock", "rwlock"};

template <Churn kChurn> void register_case(const char* name) {
    auto add = [&](const char* kind, void (*fn)(benchmark::State&)) {
        benchmark::RegisterBenchmark((std::string(name) + "/" + kind).c_str(), fn)
            ->Threads(1)
            ->Threads(kMaxThreads)
            ->UseRealTime()
            ->Unit(benchmark::kNanosecond);
    };
    add(kKinds[0], BM_dispatch<LockFreeTable, kChurn>);
    add(kKinds[1], BM_dispatch<SpinTable, kChurn>);
    add(kKinds[2], BM_dispatch<RwLockTable, kChurn>);
}

// Shows only the median of each benchmark's repetitions (or the single run
// without repetitions), and keeps each (case, table, threads)'s times per
// dispatch and the spread of its repetitions for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
  public:
    // Colours only on a terminal: the output usually ends up in a log.
    SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        std::vector<Run> shown;
        const Run *mean = nullptr, *stddev = nullptr;
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            if (r.run_type == Run::RT_Aggregate) {
                if (r.aggregate_name == "mean") mean = &r;
                if (r.aggregate_name == "stddev") stddev = &r;
                if (r.aggregate_name != "median") continue;
            } else if (r.repetitions > 1) {
                continue;
            }
            shown.push_back(r);
        }
        if (shown.empty()) return;
        ConsoleReporter::ReportRuns(shown);

        const Run& r = shown.front();
        const std::string& name = r.run_name.function_name;
        auto cut = name.find('/');
        if (cut == std::string::npos) return;
        Result& res = results_[{name.substr(0, cut), int(r.threads)}][name.substr(cut + 1)];
        // Both adjusted times are per iteration of all threads together:
        // wall time / total dispatches, and the threads' summed CPU time /
        // total dispatches.
        res.time[kWall] = r.GetAdjustedRealTime() * double(r.threads);
        res.time[kCpu] = r.GetAdjustedCPUTime();
        if (mean && stddev && mean->GetAdjustedRealTime() > 0 && mean->GetAdjustedCPUTime() > 0) {
            res.cv[kWall] = stddev->GetAdjustedRealTime() / mean->GetAdjustedRealTime();
            res.cv[kCpu] = stddev->GetAdjustedCPUTime() / mean->GetAdjustedCPUTime();
        }
    }

    void print_summary() const {
        print_table(kCpu,
                    "CPU time per dispatch: the dispatching threads' CPU time / dispatches\n"
                    "(what a dispatch costs while its thread runs; time descheduled or blocked is not counted)");
        print_table(kWall, "wall time per dispatch, per dispatching thread: wall time x threads / dispatches");
        std::printf(
            "lf: lock-free; max cv: the largest stddev/mean of the row's repetitions (its noise);\n"
            "on-CPU: the share of the wall time the dispatching threads were running, for lf/spinlock/rwlock.\n"
            "It drops when a thread is descheduled (other load on the machine; 2 dispatchers + churn on\n"
            "2 CPUs) or blocks (the rwlock's readers sleep while a writer holds it; spinlock waiters yield\n"
            "after a while). Contention between 2 threads needs both on a CPU at once: a low lf share\n"
            "means the threads often took turns instead, and the row understates contention.\n");
    }

  private:
    enum Clock { kCpu, kWall };
    struct Result {
        double time[2] = {-1, -1};
        double cv[2] = {-1, -1};  // -1: no repetitions
    };

    void print_table(Clock clock, const char* title) const {
        std::printf("\n==== handler table dispatch, ns (median): %s\n", title);
        std::printf("%-12s %7s %10s %10s %10s %12s %10s %8s%s\n", "case", "threads", kKinds[0], kKinds[1], kKinds[2],
                    "spinlock/lf", "rwlock/lf", "max cv", clock == kWall ? "      on-CPU" : "");
        auto fmt = [](const char* f, double v) {
            char buf[32];
            std::snprintf(buf, sizeof buf, f, v);
            return std::string(buf);
        };
        for (const char* c : kCases) {
            for (int t = 1; t <= kMaxThreads; t *= 2) {
                auto it = results_.find({c, t});
                if (it == results_.end()) continue;
                double ns[3], cv = -1;
                std::string on_cpu;
                for (int k = 0; k < 3; ++k) {
                    auto v = it->second.find(kKinds[k]);
                    ns[k] = v == it->second.end() ? -1 : v->second.time[clock];
                    if (k) on_cpu += "/";
                    if (v == it->second.end() || v->second.time[kWall] <= 0) {
                        on_cpu += "-";
                        continue;
                    }
                    const Result& res = v->second;
                    if (res.cv[clock] > cv) cv = res.cv[clock];
                    on_cpu += fmt("%.0f", 100 * res.time[kCpu] / res.time[kWall]);
                }
                auto time = [&](double v) { return v < 0 ? std::string("-") : fmt("%.2f", v); };
                auto ratio = [&](double v) { return v < 0 || ns[0] <= 0 ? std::string("-") : fmt("%.2fx", v / ns[0]); };
                if (clock == kWall)
                    on_cpu = std::string(on_cpu.size() < 11 ? 11 - on_cpu.size() : 0, ' ') + on_cpu + "%";
                std::printf("%-12s %7d %10s %10s %10s %12s %10s %8s%s\n", c, t, time(ns[0]).c_str(),
                            time(ns[1]).c_str(), time(ns[2]).c_str(), ratio(ns[1]).c_str(), ratio(ns[2]).c_str(),
                            cv < 0 ? "-" : fmt("%.0f%%", 100 * cv).c_str(), clock == kWall ? on_cpu.c_str() : "");
            }
        }
    }

    std::map<std::pair<std::string, int>, std::map<std::string, Result>> results_;
};

}  // namespace

int main(int argc, char** argv) {
    register_case<Churn::None>(kCases[0]);
    register_case<Churn::OtherSlots>(kCases[1]);
    register_case<Churn::SameSlots>(kCases[2]);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    SummaryReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_summary();
    benchmark::Shutdown();
    return 0;
}
