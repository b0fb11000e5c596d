#ifndef ZOOBENCH_CRDKAFKA_SHIM_H
#define ZOOBENCH_CRDKAFKA_SHIM_H

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <time.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <sys/prctl.h>

// 1 when the calling thread is one of librdkafka's (it names them "rdk:…"),
// 0 when not, -1 when the name cannot be read. Allocates nothing, so an
// allocation hook may call it; prctl is variadic, so Swift cannot.
static inline int zoobench_thread_is_librdkafka(void) {
    char name[16] = {0};
    if (prctl(PR_GET_NAME, (unsigned long)name, 0, 0, 0) != 0) return -1;
    return name[0] == 'r' && name[1] == 'd' && name[2] == 'k' && name[3] == ':';
}

// An eventfd for librdkafka's queue IO events (rd_kafka_queue_io_event_enable):
// non-blocking, closed on exec; -1 when none can be made.
static inline int zoobench_event_fd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

// glibc's ppoll, declared here: <poll.h> declares it only under _GNU_SOURCE,
// which would compile the system headers in this module unlike in the
// others that share them (the build then fails on mismatched definitions).
extern int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);

// Waits until `fd` is readable or `nanoseconds` have passed, to the
// microsecond (poll(2) counts whole milliseconds). 1: readable, 0: timed
// out, -1: interrupted or failed.
static inline int zoobench_wait_readable(int fd, long long nanoseconds) {
    struct pollfd watched = { .fd = fd, .events = POLLIN, .revents = 0 };
    struct timespec timeout = { .tv_sec = nanoseconds / 1000000000LL, .tv_nsec = nanoseconds % 1000000000LL };
    return ppoll(&watched, 1, &timeout, NULL);
}

// Sets the calling thread's timer slack (how late the kernel may end its
// sleeps and waits, to group wake-ups; 50 µs by default) to `nanoseconds`.
// 0 on success. prctl is variadic, so Swift cannot call it.
static inline int zoobench_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0);
}

// Names the calling thread (at most 15 bytes are kept). 0 on success.
static inline int zoobench_name_thread(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

#endif
