// wagi-hello: the smallest WAGI guest, a WASI preview1 command that prints one CGI response.
// Built with asc + @assemblyscript/wasi-shim; top-level statements run in `_start`.

process.stdout.write('Content-Type: text/plain\n\nhello from wagi\n');
