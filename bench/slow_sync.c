/* A slower disk for bench/disk_sync.py: every fsync and fdatasync of the process that
 * preloads this library first sleeps SLOW_SYNC_US microseconds (default 2000).
 *
 *     cc -shared -fPIC -O2 -o slow_sync.so slow_sync.c -ldl
 *     LD_PRELOAD=./slow_sync.so SLOW_SYNC_US=2000 newsletter send ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static void wait_a_while(void) {
    const char *text = getenv("SLOW_SYNC_US");
    usleep(text ? (useconds_t)atoi(text) : 2000);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_a_while();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_a_while();
    return real(fd);
}
