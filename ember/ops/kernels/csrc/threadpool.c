/* Worker threads that spin briefly before sleeping.
 *
 * Why not Python threads: between two kernel calls a Python worker sleeps at once, and on a virtual machine the
 * idle vCPU is then descheduled; the next call's second half waits for it to be scheduled again, and a split
 * batch runs as slowly as on one thread. Waiting here first spins for SPIN_NS, as OpenMP runtimes do, so calls in
 * a training loop find the workers awake; after that it sleeps on a condition variable and costs nothing.
 * Chunks are claimed, not assigned: a worker that is late (its core busy with another library's thread) finds
 * them taken by the caller, and the call never waits for it. A claim is a compare-and-swap on one word holding
 * the job's number and the next chunk, so a worker still looking at a finished job cannot take a chunk of the
 * next. One caller at a time uses the pool; a concurrent caller runs its chunks itself. After fork() the child
 * starts with no workers and makes new ones on first use. ember_pool_set_size (ember.set_num_threads) changes how
 * many threads take part; workers left out sleep.
 */
#define _GNU_SOURCE
#include "threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define RELAX() __builtin_ia32_pause()
#else
#define RELAX() ((void)0)
#endif

#define MAX_WORKERS 63
#define SPIN_NS 2000000L

static struct {
    pthread_mutex_t lock, busy;
    pthread_cond_t wake;
    _Atomic unsigned long claim; /* job number << 32 | next chunk */
    atomic_long done;
    atomic_long size; /* threads a job may use, the caller included; 0 until first asked */
    ember_task fn;
    void *arg;
    long chunks, workers;
    int at_fork_set;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static long clamp_size(long n) { return n < 1 ? 1 : n > MAX_WORKERS + 1 ? MAX_WORKERS + 1 : n; }

/* The threads a job may use: as set by ember_pool_set_size, else the CPUs this process may run on, or fewer when
 * OMP_NUM_THREADS says so (as PyTorch reads it). */
long ember_pool_size(void)
{
    long size = atomic_load(&pool.size);
    if (size == 0) {
        cpu_set_t set;
        long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
        const char *limit = getenv("OMP_NUM_THREADS");
        if (limit != NULL && atol(limit) > 0 && atol(limit) < n)
            n = atol(limit);
        long unset = 0;
        atomic_compare_exchange_strong(&pool.size, &unset, clamp_size(n));
        size = atomic_load(&pool.size);
    }
    return size;
}

/* Workers beyond the new size stop taking chunks and sleep; missing ones start with the next job. */
void ember_pool_set_size(long n) { atomic_store(&pool.size, clamp_size(n)); }

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* take and run chunks of job `job` until none is left */
static void work(unsigned long job)
{
    unsigned long word = atomic_load(&pool.claim);
    while (word >> 32 == job && (long)(word & 0xffffffffUL) < pool.chunks) {
        if (atomic_compare_exchange_weak(&pool.claim, &word, word + 1)) {
            pool.fn(pool.arg, (long)(word & 0xffffffffUL));
            atomic_fetch_add(&pool.done, 1);
            word = atomic_load(&pool.claim);
        }
    }
}

/* whether worker `index` (0-based, the caller not counted) takes part in jobs at the current size */
static int enlisted(long index) { return index < ember_pool_size() - 1; }

static void *worker(void *arg)
{
    long index = (long)arg;
    unsigned long seen = atomic_load(&pool.claim) >> 32;
    for (;;) {
        /* a worker left out by a smaller size sleeps at once: its spinning would only take a core */
        long deadline = now_ns() + (enlisted(index) ? SPIN_NS : 0);
        for (int i = 0; atomic_load(&pool.claim) >> 32 == seen; i++) {
            sched_yield(); /* a runnable thread (another library's worker) gets this core at once */
            if ((i & 63) == 63 && now_ns() > deadline) {
                pthread_mutex_lock(&pool.lock);
                while (atomic_load(&pool.claim) >> 32 == seen)
                    pthread_cond_wait(&pool.wake, &pool.lock);
                pthread_mutex_unlock(&pool.lock);
            }
        }
        seen = atomic_load(&pool.claim) >> 32;
        if (enlisted(index))
            work(seen);
    }
    return NULL;
}

static void forget_workers(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
    pool.lock = pool.busy = fresh;
    pool.wake = wake;
    pool.workers = 0;
}

/* start the workers the current size needs and that do not exist yet */
static void start_workers(void)
{
    if (!pool.at_fork_set) {
        pthread_atfork(NULL, NULL, forget_workers);
        pool.at_fork_set = 1;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (enlisted(pool.workers)) {
        pthread_t t;
        if (pthread_create(&t, &attr, worker, (void *)pool.workers) != 0)
            break;
        pool.workers++;
    }
    pthread_attr_destroy(&attr);
}

void ember_pool_run(ember_task fn, void *arg, long chunks, int parallel)
{
    if (parallel && chunks > 1 && ember_pool_size() > 1 && pthread_mutex_trylock(&pool.busy) == 0) {
        start_workers();
        if (pool.workers > 0) {
            unsigned long job = (atomic_load(&pool.claim) >> 32) + 1;
            pool.fn = fn;
            pool.arg = arg;
            pool.chunks = chunks;
            atomic_store(&pool.done, 0);
            pthread_mutex_lock(&pool.lock);
            atomic_store(&pool.claim, job << 32);
            pthread_cond_broadcast(&pool.wake);
            pthread_mutex_unlock(&pool.lock);
            work(job);
            while (atomic_load(&pool.done) < chunks)
                RELAX();
            pthread_mutex_unlock(&pool.busy);
            return;
        }
        pthread_mutex_unlock(&pool.busy);
    }
    for (long chunk = 0; chunk < chunks; chunk++)
        fn(arg, chunk);
}
