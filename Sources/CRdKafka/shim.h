#ifndef ZOOBENCH_CRDKAFKA_SHIM_H
#define ZOOBENCH_CRDKAFKA_SHIM_H

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

#endif
