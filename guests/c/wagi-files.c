/* wagi-files: a WAGI guest in C for the file tests. PATH_INFO picks the action, the query (argv[1])
 * names a guest path: /write copies stdin to it, /read prints it, /raw calls path_open on the /data
 * preopen directly (to try what wasi-libc would never send), /list lists /data, /count increments
 * /data/count, /leak opens files and never closes them, /sleep nanosleeps argv[1] ms, /sock calls
 * sock_shutdown on stdin and on a closed fd. Failures print "errno=N" (wasi-libc errno = WASI errno). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

static int data_fd(void) {
  for (__wasi_fd_t fd = 3; fd < 64; fd++) {
    __wasi_prestat_t p;
    if (__wasi_fd_prestat_get(fd, &p) != 0) continue;
    char name[64] = {0};
    if (p.u.dir.pr_name_len >= sizeof name) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, p.u.dir.pr_name_len) != 0) continue;
    if (strcmp(name, "/data") == 0) return (int)fd;
  }
  return -1;
}

int main(int argc, char **argv) {
  const char *path = getenv("PATH_INFO");
  const char *arg = argc > 1 ? argv[1] : "";
  static char buffer[65536];
  fputs("Content-Type: text/plain\n\n", stdout);
  if (path == NULL) path = "";
  if (strcmp(path, "/write") == 0) {
    FILE *f = fopen(arg, "w");
    if (f == NULL) return printf("errno=%d\n", errno), 0;
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0) fwrite(buffer, 1, n, f);
    if (fclose(f) != 0) return printf("errno=%d\n", errno), 0;
    puts("written");
  } else if (strcmp(path, "/read") == 0) {
    FILE *f = fopen(arg, "r");
    if (f == NULL) return printf("errno=%d\n", errno), 0;
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, f)) > 0) fwrite(buffer, 1, n, stdout);
    fclose(f);
  } else if (strcmp(path, "/raw") == 0) {
    int dir = data_fd();
    if (dir < 0) return puts("no /data preopen"), 0;
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open((__wasi_fd_t)dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, arg, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (e != 0) return printf("errno=%d\n", e), 0;
    size_t used = 0;
    __wasi_iovec_t iov = {(uint8_t *)buffer, sizeof buffer};
    __wasi_fd_read(fd, &iov, 1, &used);
    fwrite(buffer, 1, used, stdout);
  } else if (strcmp(path, "/list") == 0) {
    DIR *d = opendir(arg);
    if (d == NULL) return printf("errno=%d\n", errno), 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL)
      if (ent->d_name[0] != '.') printf("%s\n", ent->d_name);
    closedir(d);
  } else if (strcmp(path, "/count") == 0) {
    long n = 0;
    FILE *f = fopen("/data/count", "r");
    if (f != NULL) {
      if (fscanf(f, "%ld", &n) != 1) n = 0;
      fclose(f);
    }
    f = fopen("/data/count", "w");
    if (f == NULL) return printf("errno=%d\n", errno), 0;
    fprintf(f, "%ld", ++n);
    fclose(f);
    printf("%ld\n", n);
  } else if (strcmp(path, "/leak") == 0) {
    int opened = 0;
    for (int i = 0; i < 16; i++)
      if (fopen("/data/count", "r") != NULL) opened++;
    printf("opened=%d errno=%d\n", opened, opened == 16 ? 0 : errno);
  } else if (strcmp(path, "/sleep") == 0) {
    long ms = atol(arg);
    struct timespec req = {ms / 1000, (ms % 1000) * 1000000L}, a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int r = nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long slept = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("r=%d slept=%ld\n", r, slept);
  } else if (strcmp(path, "/sock") == 0) {
    printf("stdin=%d closed=%d\n", __wasi_sock_shutdown(0, __WASI_SDFLAGS_WR), __wasi_sock_shutdown(77, __WASI_SDFLAGS_WR));
  } else {
    puts("unknown");
  }
  return 0;
}
