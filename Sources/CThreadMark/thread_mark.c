#include "thread_mark.h"

static __thread int zoobench_thread_mark;

int zoobench_thread_mark_get(void) { return zoobench_thread_mark; }

void zoobench_thread_mark_set(int mark) { zoobench_thread_mark = mark; }
