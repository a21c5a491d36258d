// What a C++ program using JUNO looks like: the C interface behind RAII owners and
// exceptions, so that no handle, buffer or error leaks on any path.
//
// Opens an in-memory engine, stores two memories, recalls them ranked, syncs the
// simulated organisation and prints what it stored. Exits non-zero on any failure.
// Build: see CMakeLists.txt.
#include <juno.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

// A failed call: its status and message.
class JunoError : public std::runtime_error {
 public:
  JunoError(juno_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  juno_status status() const { return status_; }

 private:
  juno_status status_;
};

// Runs `f(&err)` and turns a failure into an exception carrying the error's message (the
// error is freed). The call comes first and the error is read after it: function arguments
// have no evaluation order in C++, so `check(f(&err), err)` could read `err` too early.
template <typename F>
void call(const char* what, F&& f) {
  juno_error* err = nullptr;
  juno_status status = f(&err);
  if (status == JUNO_STATUS_OK) return;
  std::unique_ptr<juno_error, decltype(&juno_error_free)> owned(err, juno_error_free);
  juno_str msg = juno_error_message(owned.get());
  throw JunoError(status, std::string(what) + ": " + std::string(msg.data, msg.len));
}

// An output buffer, freed with juno_buf_free whatever happens.
struct Buf {
  juno_buf buf{nullptr, 0};
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { juno_buf_free(&buf); }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(buf.data), buf.len};
  }
};

// The engine handle.
class Juno {
 public:
  static Juno in_memory() {
    juno* j = nullptr;
    call("juno_open_in_memory", [&](juno_error** err) { return juno_open_in_memory(&j, err); });
    return Juno(j);
  }
  juno* get() const { return handle_.get(); }

 private:
  explicit Juno(juno* j) : handle_(j, juno_free) {}
  std::unique_ptr<juno, decltype(&juno_free)> handle_;
};

std::string store(const Juno& j, std::string_view memory_json) {
  Buf ids;
  std::string items = "[" + std::string(memory_json) + "]";
  call("juno_memory_store_many", [&](juno_error** err) {
    return juno_memory_store_many(j.get(), items.data(), items.size(), &ids.buf, err);
  });
  return std::string(ids.view());
}

}  // namespace

int main() {
  try {
    std::printf("JUNO %s (ABI %s; header %s)\n", juno_version(), JUNO_ABI_VERSION,
                JUNO_VERSION_STRING);
    Juno j = Juno::in_memory();
    std::printf("stored ids %s\n",
                store(j, R"({"kind":"episodic","scope":{"team":"team_alpha"},)"
                         R"("key":"alpha-deploy","tags":["deploy"],)"
                         R"("text":"deploy to staging failed because of flaky tests"})")
                    .c_str());
    store(j, R"({"kind":"semantic","scope":{"team":"team_alpha"},"key":"alpha-split",)"
             R"("text":"alpha splits stories above 8 points","importance":0.6})");

    Buf hits;
    const std::string query = R"({"text":"flaky deploy","team":"team_alpha"})";
    call("juno_memory_recall", [&](juno_error** err) {
      return juno_memory_recall(j.get(), query.data(), query.size(), &hits.buf, err);
    });
    std::printf("recall -> %.*s\n", static_cast<int>(hits.view().size() > 120 ? 120 : hits.view().size()),
                hits.view().data());
    if (hits.view().find("alpha-deploy") == std::string_view::npos) {
      std::fprintf(stderr, "the flaky deploy was not recalled\n");
      return 1;
    }

    Buf report;
    const std::string sim = R"({"teams":2,"sprints":8})";
    call("juno_source_sync_sim", [&](juno_error** err) {
      return juno_source_sync_sim(j.get(), sim.data(), sim.size(), &report.buf, err);
    });
    std::printf("sync -> %.*s\n", static_cast<int>(report.view().size()), report.view().data());

    // Bad input is a typed error naming the field, as an exception here.
    try {
      const std::string bad = R"({"teams":0})";
      Buf unused;
      call("juno_source_sync_sim", [&](juno_error** err) {
        return juno_source_sync_sim(j.get(), bad.data(), bad.size(), &unused.buf, err);
      });
      std::fprintf(stderr, "bad settings were accepted\n");
      return 1;
    } catch (const JunoError& e) {
      std::printf("rejected as expected (status %u): %s\n", static_cast<unsigned>(e.status()),
                  e.what());
      if (e.status() != JUNO_STATUS_INVALID_INPUT ||
          std::strstr(e.what(), "settings.teams") == nullptr) {
        return 1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "failed: %s\n", e.what());
    return 1;
  }
}
