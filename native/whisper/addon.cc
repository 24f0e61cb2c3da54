// Tab Captions' whisper.cpp addon: one loaded model shared by many decoding states (one per
// worker), passes run on libuv's thread pool, per-pass timings, and the build's SIMD flags.
#include <napi.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "whisper.h"

namespace {

// ------------------------------------------------------------------ native log
// whisper.cpp logs a dozen lines per model and per state; keep the last ones for error
// messages and echo them only when asked (WHISPER_NATIVE_LOG=1 on the JS side).
std::mutex log_mu;
std::deque<std::string> log_lines;
bool log_echo = false;

void LogCallback(ggml_log_level level, const char* text, void*) {
  std::lock_guard<std::mutex> lock(log_mu);
  std::string line(text ? text : "");
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return;
  const char* tag = level == GGML_LOG_LEVEL_ERROR ? "error" : level == GGML_LOG_LEVEL_WARN ? "warn" : "info";
  log_lines.push_back(std::string(tag) + ": " + line);
  if (log_lines.size() > 200) log_lines.pop_front();
  if (log_echo) fprintf(stderr, "[whisper.cpp %s] %s\n", tag, line.c_str());
}

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

template <typename T>
T* Unwrap(const Napi::Value& v, const char* what) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), std::string("expected a ") + what + " handle");
  T* p = v.As<Napi::External<T>>().Data();
  if (!p) throw Napi::Error::New(v.Env(), std::string(what) + " was freed");
  return p;
}

// ------------------------------------------------------------------ model and states

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  whisper_context_params cp = whisper_context_default_params();
  cp.use_gpu = info.Length() > 1 && info[1].ToBoolean();
  whisper_context* ctx = nullptr;
  try {
    ctx = whisper_init_from_file_with_params_no_state(path.c_str(), cp);
  } catch (const std::exception& e) {  // a corrupt file can make the loader throw (bad sizes)
    throw Napi::Error::New(env, std::string("whisper.cpp could not load the model: ") + e.what());
  }
  if (!ctx) throw Napi::Error::New(env, "whisper.cpp could not load the model");
  return Napi::External<whisper_context>::New(env, ctx);
}

Napi::Value FreeModel(const Napi::CallbackInfo& info) {
  whisper_free(Unwrap<whisper_context>(info[0], "model"));
  return info.Env().Undefined();
}

Napi::Value NewState(const Napi::CallbackInfo& info) {
  whisper_state* st = whisper_init_state(Unwrap<whisper_context>(info[0], "model"));
  if (!st) throw Napi::Error::New(info.Env(), "whisper.cpp could not allocate a decoding state");
  return Napi::External<whisper_state>::New(info.Env(), st);
}

Napi::Value FreeState(const Napi::CallbackInfo& info) {
  whisper_free_state(Unwrap<whisper_state>(info[0], "state"));
  return info.Env().Undefined();
}

Napi::Value IsMultilingual(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), whisper_is_multilingual(Unwrap<whisper_context>(info[0], "model")) != 0);
}

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), whisper_print_system_info());
}

Napi::Value LogTail(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(log_mu);
  Napi::Array out = Napi::Array::New(info.Env(), log_lines.size());
  uint32_t i = 0;
  for (const auto& l : log_lines) out.Set(i++, l);
  return out;
}

Napi::Value SetLogEcho(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(log_mu);
  log_echo = info[0].ToBoolean();
  return info.Env().Undefined();
}

// ------------------------------------------------------------------ one pass

struct Segment {
  std::string text;
  int64_t t0, t1;  // ms
};

struct Timing {
  Clock::time_point start, encode_begin, first_logits;
  bool encoded = false, logits = false;
  int steps = 0;
  // Benches: never end a segment early (EOT and timestamps suppressed), so a weightless model
  // decodes exactly maxTokens tokens, like real speech of that length would.
  bool suppress_end = false;
};

class PassWorker : public Napi::AsyncWorker {
 public:
  PassWorker(Napi::Function cb, whisper_context* ctx, whisper_state* st, std::vector<float> pcm, Napi::Object o)
      : Napi::AsyncWorker(cb), ctx_(ctx), st_(st), pcm_(std::move(pcm)) {
    p_ = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
    auto num = [&](const char* k, double d) { return o.Has(k) && o.Get(k).IsNumber() ? o.Get(k).As<Napi::Number>().DoubleValue() : d; };
    p_.n_threads = (int)num("threads", 4);
    p_.audio_ctx = (int)num("audioCtx", 0);
    p_.max_tokens = (int)num("maxTokens", 0);
    p_.temperature = (float)num("temperature", 0);
    p_.temperature_inc = (float)num("temperatureInc", 0);
    p_.greedy.best_of = (int)num("bestOf", 1);
    timing_.suppress_end = o.Has("suppressEot") && o.Get("suppressEot").ToBoolean();
    if (timing_.suppress_end) p_.single_segment = true;
    p_.no_context = true;
    p_.print_progress = p_.print_realtime = p_.print_timestamps = p_.print_special = false;
    p_.suppress_blank = true;
    lang_ = o.Has("language") && o.Get("language").IsString() ? o.Get("language").As<Napi::String>().Utf8Value() : "auto";
    prompt_ = o.Has("prompt") && o.Get("prompt").IsString() ? o.Get("prompt").As<Napi::String>().Utf8Value() : "";
    p_.language = lang_.c_str();
    p_.initial_prompt = prompt_.empty() ? nullptr : prompt_.c_str();
    p_.encoder_begin_callback = [](whisper_context*, whisper_state*, void* u) {
      auto* t = static_cast<Timing*>(u);
      t->encode_begin = Clock::now();
      t->encoded = true;
      return true;
    };
    p_.encoder_begin_callback_user_data = &timing_;
    p_.logits_filter_callback = [](whisper_context* ctx, whisper_state*, const whisper_token_data*, int, float* logits, void* u) {
      auto* t = static_cast<Timing*>(u);
      if (t->suppress_end) {
        for (int i = whisper_token_eot(ctx), n = whisper_n_vocab(ctx); i < n; i++) logits[i] = -INFINITY;
      }
      if (!t->logits) t->first_logits = Clock::now();
      t->logits = true;
      t->steps++;
    };
    p_.logits_filter_callback_user_data = &timing_;
  }

  void Execute() override {
    timing_.start = Clock::now();
    int rc;
    try {
      rc = whisper_full_with_state(ctx_, st_, p_, pcm_.data(), (int)pcm_.size());
    } catch (const std::exception& e) {
      SetError(std::string("whisper_full failed: ") + e.what());
      return;
    }
    if (rc != 0) {
      SetError("whisper_full failed");
      return;
    }
    total_ms_ = MsSince(timing_.start);
    end_ = Clock::now();
    int n = whisper_full_n_segments_from_state(st_);
    for (int i = 0; i < n; i++) {
      segs_.push_back({whisper_full_get_segment_text_from_state(st_, i), whisper_full_get_segment_t0_from_state(st_, i) * 10,
                       whisper_full_get_segment_t1_from_state(st_, i) * 10});
      tokens_ += whisper_full_n_tokens_from_state(st_, i);
    }
    int lid = whisper_full_lang_id_from_state(st_);
    const char* l = lid >= 0 ? whisper_lang_str(lid) : nullptr;
    detected_ = l ? l : "";
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    Napi::Array segs = Napi::Array::New(env, segs_.size());
    for (size_t i = 0; i < segs_.size(); i++) {
      Napi::Object s = Napi::Object::New(env);
      s.Set("text", segs_[i].text);
      s.Set("t0", (double)segs_[i].t0);
      s.Set("t1", (double)segs_[i].t1);
      segs.Set((uint32_t)i, s);
    }
    r.Set("segments", segs);
    r.Set("language", detected_);
    r.Set("tokens", tokens_);
    r.Set("totalMs", total_ms_);
    auto d = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    // Encoder: from its start to the first decoder step's logits (includes the prompt's decode).
    double enc = timing_.encoded && timing_.logits ? d(timing_.encode_begin, timing_.first_logits) : (timing_.encoded ? d(timing_.encode_begin, end_) : 0);
    r.Set("encodeMs", enc);
    r.Set("decodeMs", timing_.logits ? d(timing_.first_logits, end_) : 0.0);
    r.Set("decodeSteps", timing_.steps);
    Callback().Call({env.Null(), r});
  }

 private:
  whisper_context* ctx_;
  whisper_state* st_;
  std::vector<float> pcm_;
  whisper_full_params p_;
  std::string lang_, prompt_, detected_;
  Timing timing_;
  Clock::time_point end_;
  std::vector<Segment> segs_;
  int tokens_ = 0;
  double total_ms_ = 0;
};

// transcribe(model, state, Float32Array, options, callback(err, result))
Napi::Value Transcribe(const Napi::CallbackInfo& info) {
  auto* ctx = Unwrap<whisper_context>(info[0], "model");
  auto* st = Unwrap<whisper_state>(info[1], "state");
  Napi::Float32Array a = info[2].As<Napi::Float32Array>();
  std::vector<float> pcm(a.Data(), a.Data() + a.ElementLength());
  auto* w = new PassWorker(info[4].As<Napi::Function>(), ctx, st, std::move(pcm), info[3].As<Napi::Object>());
  w->Queue();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  whisper_log_set(LogCallback, nullptr);
  exports.Set("loadModel", Napi::Function::New(env, LoadModel));
  exports.Set("freeModel", Napi::Function::New(env, FreeModel));
  exports.Set("newState", Napi::Function::New(env, NewState));
  exports.Set("freeState", Napi::Function::New(env, FreeState));
  exports.Set("isMultilingual", Napi::Function::New(env, IsMultilingual));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo));
  exports.Set("logTail", Napi::Function::New(env, LogTail));
  exports.Set("setLogEcho", Napi::Function::New(env, SetLogEcho));
  exports.Set("transcribe", Napi::Function::New(env, Transcribe));
  return exports;
}

}  // namespace

NODE_API_MODULE(tc_whisper, Init)
