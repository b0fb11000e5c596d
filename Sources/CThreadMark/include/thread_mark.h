#ifndef ZOOBENCH_THREAD_MARK_H
#define ZOOBENCH_THREAD_MARK_H

// A per-thread integer in ELF thread-local storage, for allocation
// attribution. pthread keys will not do: setting one may allocate the
// thread's second-level key table through the interposed calloc, which glibc
// then frees with its internal free at thread exit (a corrupted heap).
// Reading and writing this allocates nothing.
int zoobench_thread_mark_get(void);
void zoobench_thread_mark_set(int mark);

#endif
