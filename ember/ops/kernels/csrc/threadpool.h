/* A fixed pool of worker threads for the kernels in this library; see threadpool.c. */
#ifndef EMBER_THREADPOOL_H
#define EMBER_THREADPOOL_H

/* Runs fn(arg, chunk) once for every chunk in [0, chunks): with `parallel`, on the calling thread and on whichever
 * workers are free, each taking the next chunk not yet taken; otherwise in order on the calling thread. A chunk's
 * result must not depend on which thread runs it. */
typedef void (*ember_task)(void *arg, long chunk);
void ember_pool_run(ember_task fn, void *arg, long chunks, int parallel);
long ember_pool_size(void);
void ember_pool_set_size(long threads);

#endif
