/* wagi-c: a WAGI guest in C (clang --target=wasm32-wasi): PATH_INFO /echo copies stdin to stdout with
 * the request's Content-Type; any other path answers "hello from c". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const char *path = getenv("PATH_INFO");
  if (path != NULL && strcmp(path, "/echo") == 0) {
    const char *type = getenv("CONTENT_TYPE");
    printf("Content-Type: %s\n\n", type != NULL && type[0] != '\0' ? type : "application/octet-stream");
    static char buffer[65536]; /* static: the default wasm stack is only 64 KiB */
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0) fwrite(buffer, 1, n, stdout);
    return 0;
  }
  fputs("Content-Type: text/plain\n\nhello from c\n", stdout);
  return 0;
}
