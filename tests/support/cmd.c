/*
 * Host command runner for tests (see cmd.h): posix_spawn, a pipe for
 * stdout, poll(2) against a deadline, SIGKILL on timeout.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MSEC_PER_SEC        1000
#define NSEC_PER_MSEC       1000000L
#define SHELL_SIGNAL_STATUS 128 /* how sh reports a child killed by a signal */
#define DRAIN_CHUNK         512
#define STOP_POLL_NS        10000000L /* 10 ms between looks at a stopping process */
#define KILL_WAIT_POLLS     100       /* x STOP_POLL_NS for a SIGKILLed one */

struct capture {
    char *out;
    size_t outlen;
    size_t used;
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

static int spawn_child(const char *const argv[], int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    int err;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    /* argv is only read; posix_spawnp's prototype predates const. */
    err = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return -err;
}

static void keep(struct capture *cap, const char *buf, size_t n)
{
    size_t room = cap->outlen > cap->used + 1 ? cap->outlen - cap->used - 1 : 0;
    size_t take = n < room ? n : room;

    memcpy(cap->out + cap->used, buf, take);
    cap->used += take;
    cap->out[cap->used] = '\0';
}

/* Reads the pipe until EOF (0) or the deadline (-ETIMEDOUT). */
static int drain(int fd, struct capture *cap, long long deadline)
{
    char buf[DRAIN_CHUNK];

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        long long left = deadline - now_ms();
        ssize_t n;
        int ready;

        if (left <= 0)
            return -ETIMEDOUT;
        ready = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (ready < 0 && errno != EINTR)
            return -errno;
        if (ready <= 0)
            continue; /* the deadline is checked at the top */
        n = read(fd, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (n > 0 && cap->out)
            keep(cap, buf, (size_t)n);
    }
}

static int reap(pid_t pid, bool kill_it)
{
    int status;

    if (kill_it)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return SHELL_SIGNAL_STATUS + WTERMSIG(status);
}

int axn_cmd_run(const char *const argv[], char *out, size_t outlen, int timeout_ms)
{
    struct capture cap = {.out = outlen ? out : NULL, .outlen = outlen, .used = 0};
    int pipefd[2];
    pid_t pid;
    int err;
    int status;

    if (cap.out)
        cap.out[0] = '\0';
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    err = spawn_child(argv, pipefd[1], &pid);
    close(pipefd[1]);
    if (err) {
        close(pipefd[0]);
        return err;
    }
    err = drain(pipefd[0], &cap, now_ms() + timeout_ms);
    close(pipefd[0]);
    status = reap(pid, err != 0);
    return err ? err : status;
}

int axn_cmd_sh(const char *script, char *out, size_t outlen)
{
    const char *argv[] = {"sh", "-c", script, NULL};

    return axn_cmd_run(argv, out, outlen, AXN_CMD_TIMEOUT_MS);
}

static bool dir_has_exe(const char *dir, size_t dirlen, const char *prog)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%.*s/%s", (int)dirlen, dir, prog);

    return n > 0 && (size_t)n < sizeof(path) && access(path, X_OK) == 0;
}

bool axn_cmd_exists(const char *prog)
{
    const char *path = getenv("PATH");

    while (path && *path) {
        size_t len = strcspn(path, ":");

        if (len > 0 && dir_has_exe(path, len, prog))
            return true;
        path += len;
        if (*path == ':')
            path++;
    }
    return false;
}

/* Gone: no such process, or a zombie (its state letter in /proc is 'Z'). */
static bool pid_gone(long pid)
{
    char path[PATH_MAX];
    char stat[DRAIN_CHUNK];
    const char *close_paren;
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f)
        return true;
    n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    close_paren = strrchr(stat, ')');
    return !close_paren || close_paren[1] == '\0' || close_paren[2] == 'Z';
}

/* After SIGKILL: at most KILL_WAIT_POLLS naps for the process to go. */
static void wait_killed(long pid)
{
    const struct timespec nap = {.tv_nsec = STOP_POLL_NS};

    for (int i = 0; i < KILL_WAIT_POLLS && !pid_gone(pid); i++)
        nanosleep(&nap, NULL);
}

int axn_cmd_stop_pid(long pid, int timeout_ms)
{
    const long long deadline = now_ms() + timeout_ms;
    const struct timespec nap = {.tv_nsec = STOP_POLL_NS};

    if (pid <= 0 || pid_gone(pid) || kill((pid_t)pid, SIGTERM) < 0)
        return -ESRCH;
    while (!pid_gone(pid)) {
        if (now_ms() >= deadline) {
            kill((pid_t)pid, SIGKILL);
            wait_killed(pid);
            break;
        }
        nanosleep(&nap, NULL);
    }
    return 0;
}
