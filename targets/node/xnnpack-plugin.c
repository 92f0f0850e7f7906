/*
 * edgebench: a TFLite external-delegate plugin that creates the XNNPACK
 * delegate of libtensorflowlite_c. tfjs-tflite-node's prebuilt library holds
 * the delegate but does not apply it, and its binding takes delegates only as
 * plugins exporting these two functions. targets/node/tflite.ts compiles this
 * file with the system C compiler into a private per-user cache (its bytes are
 * part of the cache key); test/e2e/xnnpack-plugin.test.ts ("the plugin source compiles and runs") compiles it
 * with the same flags, warnings as errors.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TfLiteDelegate TfLiteDelegate;

/* TfLiteXNNPackDelegateOptions begins {int32 num_threads; uint32 flags; ...}; zeroed room for later fields. */
typedef struct {
  int32_t num_threads;
  uint32_t flags;
  void* rest[16];
} Options;

extern TfLiteDelegate* TfLiteXNNPackDelegateCreate(const Options* options);

/*
 * Delegation coverage (EDGEBENCH_XNNPACK_COVERAGE=1 in the environment): TFLite 2.9's release build
 * does not log how many nodes a delegate took, so the plugin wraps the
 * delegate's Prepare, reads the execution plan before and after, and prints
 * one line to stderr: the node count, the delegate partitions left in the
 * plan (builtin code 51, DELEGATE) and the builtin codes of the nodes left to
 * TFLite's own kernels. Layouts: tensorflow/lite/c/common.h of the bundled
 * library (prefixes of TfLiteContext, TfLiteRegistration, TfLiteDelegate).
 */
typedef struct { int size; int data[]; } IntArray;
typedef struct {
  void* init; void* free; void* prepare; void* invoke; void* profiling_string;
  int32_t builtin_code;
  const char* custom_name;
} Registration;
typedef struct Context Context;
struct Context {
  size_t tensors_size;
  int (*GetExecutionPlan)(Context* context, IntArray** plan);
  void* tensors; void* impl_; void* ResizeTensor; void* ReportError; void* AddTensors;
  int (*GetNodeAndRegistration)(Context* context, int node, void** node_out, Registration** registration);
};
typedef struct { void* data_; int (*Prepare)(Context* context, TfLiteDelegate* delegate); } DelegateHead;

static int (*xnnpack_prepare)(Context* context, TfLiteDelegate* delegate);

static int counting_prepare(Context* context, TfLiteDelegate* delegate) {
  IntArray* plan = 0;
  int total = context->GetExecutionPlan(context, &plan) == 0 && plan ? plan->size : -1;
  int status = xnnpack_prepare(context, delegate);
  int partitions = 0;
  fprintf(stderr, "edgebench-xnnpack-coverage: nodes=%d status=%d left=", total, status);
  if (context->GetExecutionPlan(context, &plan) == 0 && plan) {
    int first = 1;
    for (int i = 0; i < plan->size; i++) {
      void* node = 0;
      Registration* registration = 0;
      if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != 0 || !registration) continue;
      if (registration->builtin_code == 51) { partitions++; continue; }
      fprintf(stderr, "%s%d", first ? "" : ",", (int)registration->builtin_code);
      first = 0;
    }
  }
  fprintf(stderr, " partitions=%d\n", partitions);
  fflush(stderr);
  return status;
}
extern void TfLiteXNNPackDelegateDelete(TfLiteDelegate* delegate);
/* The delegate's pthreadpool; NULL when it runs on the calling thread alone (num_threads <= 1). */
extern void* TfLiteXNNPackDelegateGetThreadPool(TfLiteDelegate* delegate);

TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t count, void (*report_error)(const char*));
void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate);

/*
 * The thread count comes from the environment (EDGEBENCH_XNNPACK_THREADS), set
 * by targets/node/tflite.ts around the interpreter's construction, and never
 * from the keys: tfjs-tflite-node 0.0.2 copies each option pair in a loop and
 * hands the plugin the copies' c_str(), dangling by the time we run, so a
 * "num_threads" key was never matched and XNNPACK ran on one thread whatever
 * was asked. What the delegate really got goes back the same way
 * (EDGEBENCH_XNNPACK_APPLIED_THREADS): the pool's size when XNNPACK made a
 * thread pool, else 1 (XNNPACK runs on the calling thread).
 */
TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t count, void (*report_error)(const char*)) {
  Options options;
  (void)keys; (void)values; (void)count; (void)report_error;
  memset(&options, 0, sizeof options);
  options.num_threads = 1;
  options.flags = 3; /* QS8 | QU8: int8 and uint8 kernels as well as float */
  const char* threads = getenv("EDGEBENCH_XNNPACK_THREADS");
  if (threads) {
    char* end = 0;
    long asked = strtol(threads, &end, 10);
    if (end != threads && *end == '\0' && asked >= 1 && asked <= 1024) options.num_threads = (int32_t)asked;
  }
  const char* coverage = getenv("EDGEBENCH_XNNPACK_COVERAGE");
  TfLiteDelegate* delegate = TfLiteXNNPackDelegateCreate(&options);
  if (delegate) {
    char applied[16];
    snprintf(applied, sizeof applied, "%d", TfLiteXNNPackDelegateGetThreadPool(delegate) ? (int)options.num_threads : 1);
    setenv("EDGEBENCH_XNNPACK_APPLIED_THREADS", applied, 1);
  }
  if (delegate && coverage && !strcmp(coverage, "1")) {
    DelegateHead* head = (DelegateHead*)delegate;
    xnnpack_prepare = head->Prepare;
    head->Prepare = counting_prepare;
  }
  return delegate;
}

void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate) { TfLiteXNNPackDelegateDelete(delegate); }
