/* alone.h — is the exporter thread the last live thread of its process?
 *
 * A process ends bare when its last thread ends, even through pthread_exit (glibc's last
 * thread calls exit(0)). The exporter thread would keep such a process alive for ever, so it
 * asks this question now and then while idle and, when the answer is yes, ends the process as
 * the last application thread would have (exporter/thread.c). */
#ifndef GA_ALONE_H
#define GA_ALONE_H

/* 1 when every other thread of this process has ended (at most a zombie thread-group leader
 * is left); 0 when another thread lives or anything could not be read (never a false yes).
 * Raw system calls on /proc/self only: a few per call, none while three or more threads run. */
int ga_exporter_alone(void);

#endif
