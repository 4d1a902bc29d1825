#include "cli/executor_choice.h"

#include "cli/key_value_options.h"

namespace tinydet::cli {

void add_executor_options(CLI::App& sub, ExecutorChoice& choice, bool with_threads) {
  sub.add_option("--executor", choice.name, "Executor plugin (see `tinydet list`)")
      ->capture_default_str()
      ->group("Executor");
  sub.add_option("--executor-option", choice.settings,
                 "Executor setting KEY=VALUE (repeatable), e.g. patches=3, split=OP, input=external")
      ->allow_extra_args(false)
      ->group("Executor");
  sub.add_option("--patches", choice.patches,
                 "Patch grid n (n x n) of the patch executor, or auto (same as --executor-option patches=n)")
      ->group("Executor");
  sub.add_option("--patch-split", choice.patch_split,
                 "Op (or tensor) after which the patch executor splits, or auto")
      ->group("Executor");
  sub.add_option("--precision", choice.precision, "int8 (quantised) or float")
      ->check(CLI::IsMember({"int8", "float"}))
      ->capture_default_str()
      ->group("Executor");
  if (with_threads)
    sub.add_option("--threads", choice.threads, "Kernel threads (1 models an MCU core)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str()
        ->group("Executor");
}

std::map<std::string, std::string> executor_settings(const ExecutorChoice& choice) {
  auto settings = parse_key_values(choice.settings, "--executor-option");
  if (!choice.patches.empty()) settings["patches"] = choice.patches;
  if (!choice.patch_split.empty()) settings["split"] = choice.patch_split;
  return settings;
}

ExecutorOptions executor_options(const ExecutorChoice& choice) {
  ExecutorOptions opt;
  opt.threads = choice.threads;
  opt.settings = executor_settings(choice);
  return opt;
}

DType precision_dtype(const ExecutorChoice& choice) {
  return choice.precision == "float" ? DType::Float32 : DType::Int8;
}

}  // namespace tinydet::cli
