#include "tap_jobs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "sha256.h"
#include "tcp_stream.h"

#define POLL_MS      50
#define NSEC_PER_MS  1000000L
#define MS_PER_S     1000
#define LISTEN_TRIES 100 /* x 0.1 s for a Linux listener to appear */
#define OUT_LEN      8192
#define NAME_MAX_LEN 256
#define HEX_FIELD    (AXN_SHA256_HEX_LEN - 1)
#define SCRATCH_MODE 0700

int tap_jobs_init(struct tap_jobs *j, const struct axn_netns *ns, const char *prefix,
                  const char *what)
{
    memset(j, 0, sizeof(*j));
    j->ns = ns;
    const char *bd = getenv("AXN_BUILD_DIR");
    snprintf(j->dir, sizeof(j->dir), "%s/%s_%s_%d", bd && *bd ? bd : "/tmp", prefix, what,
             (int)getpid());
    if (mkdir(j->dir, SCRATCH_MODE) != 0 && errno != EEXIST) {
        fprintf(stderr, "mkdir %s: %s\n", j->dir, strerror(errno));
        return -1;
    }
    return 0;
}

void tap_jobs_cleanup(struct tap_jobs *j)
{
    if (j->dir[0]) {
        char cmd[PATH_MAX + NAME_MAX_LEN];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", j->dir);
        (void)axn_cmd_sh(cmd, NULL, 0);
    }
    j->dir[0] = '\0';
}

void tap_jobs_path(const struct tap_jobs *j, char *out, size_t len, const char *name)
{
    const int n = snprintf(out, len, "%s/%s", j->dir, name);
    assert_true(n > 0 && (size_t)n < len);
}

void tap_jobs_sleep_ms(long ms)
{
    const struct timespec t = {.tv_sec = ms / MS_PER_S, .tv_nsec = (ms % MS_PER_S) * NSEC_PER_MS};
    nanosleep(&t, NULL);
}

void tap_jobs_start(const struct tap_jobs *j, const char *name, const char *cmd)
{
    char out[OUT_LEN];
    /* The status goes through a .tmp rename so a poller never reads it half-written. */
    const int rc = axn_netns_run(j->ns, out, sizeof(out),
                                 "cd %s && ( ( %s ) >%s.out 2>%s.err </dev/null; "
                                 "echo $? >%s.rc.tmp; mv %s.rc.tmp %s.rc ) >/dev/null 2>&1 &",
                                 j->dir, cmd, name, name, name, name, name);
    assert_int_equal(rc, 0);
}

bool tap_jobs_read(const struct tap_jobs *j, const char *name, char *buf, size_t len)
{
    char p[PATH_MAX];
    tap_jobs_path(j, p, sizeof(p), name);
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    const size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

int tap_jobs_wait(const struct tap_jobs *j, const char *name, int timeout_s)
{
    char rcname[NAME_MAX_LEN], errname[NAME_MAX_LEN], buf[OUT_LEN];
    snprintf(rcname, sizeof(rcname), "%s.rc", name);
    snprintf(errname, sizeof(errname), "%s.err", name);
    for (long waited = 0; waited <= (long)timeout_s * MS_PER_S; waited += POLL_MS) {
        if (tap_jobs_read(j, rcname, buf, sizeof(buf))) {
            const int rc = atoi(buf);
            if (rc != 0 && tap_jobs_read(j, errname, buf, sizeof(buf)))
                fprintf(stderr, "%s exited %d: %s\n", name, rc, buf);
            return rc;
        }
        tap_jobs_sleep_ms(POLL_MS);
    }
    if (tap_jobs_read(j, errname, buf, sizeof(buf)))
        fprintf(stderr, "%s stderr: %s\n", name, buf);
    fail_msg("%s did not finish within %d s", name, timeout_s);
    return -1;
}

void tap_jobs_wait_listening(const struct tap_jobs *j, int port)
{
    char out[OUT_LEN];
    const int rc = axn_netns_run(j->ns, out, sizeof(out),
                                 "for i in $(seq %d); do ss -Hntl | grep -q ':%d ' && exit 0; "
                                 "sleep 0.1; done; exit 1",
                                 LISTEN_TRIES, port);
    assert_int_equal(rc, 0);
}

void tap_jobs_write_stream(const struct tap_jobs *j, const char *name, uint64_t seed, uint64_t len)
{
    static uint8_t buf[TCP_PUMP_CHUNK];
    char p[PATH_MAX];
    tap_jobs_path(j, p, sizeof(p), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    for (uint64_t off = 0; off < len;) {
        const size_t n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
        tcp_stream_fill(seed, off, buf, n);
        assert_int_equal(fwrite(buf, 1, n, f), n);
        off += n;
    }
    assert_int_equal(fclose(f), 0);
}

void tap_jobs_assert_sum(const struct tap_jobs *j, const char *name, uint64_t seed, uint64_t len)
{
    char buf[OUT_LEN], hex[AXN_SHA256_HEX_LEN];
    uint8_t d[AXN_SHA256_DIGEST_LEN];
    assert_true(tap_jobs_read(j, name, buf, sizeof(buf)));
    tcp_stream_digest(seed, len, d);
    axn_sha256_hex(d, hex);
    if (strlen(buf) < HEX_FIELD || strncmp(buf, hex, HEX_FIELD) != 0)
        fail_msg("%s: Linux's sha256sum says \"%.64s\", the stream's is %s", name, buf, hex);
}
