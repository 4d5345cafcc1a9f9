// Files under the service's /data directory for the shop's WAGI services, through WASI preview1 calls
// (the AssemblyScript WASI shim has no file API): find the /data preopen, read a file, append a line.

// @ts-ignore: decorator
@external('wasi_snapshot_preview1', 'fd_prestat_get')
declare function fd_prestat_get(fd: u32, buf: usize): u16;
// @ts-ignore: decorator
@external('wasi_snapshot_preview1', 'fd_prestat_dir_name')
declare function fd_prestat_dir_name(fd: u32, path: usize, len: usize): u16;
// @ts-ignore: decorator
@external('wasi_snapshot_preview1', 'path_open')
declare function path_open(
  dirfd: u32,
  dirflags: u32,
  path: usize,
  pathLen: usize,
  oflags: u16,
  rightsBase: u64,
  rightsInheriting: u64,
  fdflags: u16,
  fd: usize,
): u16;
// @ts-ignore: decorator
@external('wasi_snapshot_preview1', 'fd_read')
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;
// @ts-ignore: decorator
@external('wasi_snapshot_preview1', 'fd_write')
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;
// @ts-ignore: decorator
@external('wasi_snapshot_preview1', 'fd_close')
declare function fd_close(fd: u32): u16;

const ENOENT: u16 = 44;
const O_CREAT: u16 = 1;
const FDFLAG_APPEND: u16 = 1;
const RIGHTS_ALL: u64 = 0x1fffffff;

/** The fd of the preopened directory named `name`, or -1 when the host granted none. */
function preopen(name: string): i32 {
  const prestat = new ArrayBuffer(8);
  for (let fd: u32 = 3; fd < 64; fd++) {
    if (fd_prestat_get(fd, changetype<usize>(prestat)) != 0) return -1;
    const len = load<u32>(changetype<usize>(prestat), 4);
    const buf = new ArrayBuffer(<i32>len);
    if (fd_prestat_dir_name(fd, changetype<usize>(buf), len) != 0) continue;
    if (String.UTF8.decode(buf) == name) return <i32>fd;
  }
  return -1;
}

function open(file: string, oflags: u16, fdflags: u16): i32 {
  const dir = preopen('/data');
  if (dir < 0) return -2;
  const path = String.UTF8.encode(file);
  const out = new ArrayBuffer(4);
  const err = path_open(
    <u32>dir,
    0,
    changetype<usize>(path),
    path.byteLength,
    oflags,
    RIGHTS_ALL,
    RIGHTS_ALL,
    fdflags,
    changetype<usize>(out),
  );
  if (err == ENOENT) return -1;
  if (err != 0) return -3;
  return load<i32>(changetype<usize>(out));
}

/** The whole file under /data as text; '' when it does not exist yet. Throws when /data is missing. */
export function readDataFile(file: string): string {
  const fd = open(file, 0, 0);
  if (fd == -1) return '';
  if (fd < 0) throw new Error('cannot open /data/' + file + ' (is `data` set for this service?)');
  let text = '';
  const buf = new ArrayBuffer(16384);
  const iov = new ArrayBuffer(8);
  const nread = new ArrayBuffer(4);
  store<u32>(changetype<usize>(iov), <u32>changetype<usize>(buf));
  store<u32>(changetype<usize>(iov), <u32>buf.byteLength, 4);
  while (true) {
    if (fd_read(<u32>fd, changetype<usize>(iov), 1, changetype<usize>(nread)) != 0) break;
    const n = load<u32>(changetype<usize>(nread));
    if (n == 0) break;
    text += String.UTF8.decode(buf.slice(0, <i32>n));
  }
  fd_close(<u32>fd);
  return text;
}

/** Appends `line` and a newline to the file under /data, creating it; one write, so lines never interleave. */
export function appendDataLine(file: string, line: string): void {
  const fd = open(file, O_CREAT, FDFLAG_APPEND);
  if (fd < 0) throw new Error('cannot open /data/' + file + ' for appending (is `data` set for this service?)');
  const bytes = String.UTF8.encode(line + '\n');
  const iov = new ArrayBuffer(8);
  const written = new ArrayBuffer(4);
  store<u32>(changetype<usize>(iov), <u32>changetype<usize>(bytes));
  store<u32>(changetype<usize>(iov), <u32>bytes.byteLength, 4);
  const err = fd_write(<u32>fd, changetype<usize>(iov), 1, changetype<usize>(written));
  fd_close(<u32>fd);
  if (err != 0 || load<u32>(changetype<usize>(written)) != <u32>bytes.byteLength)
    throw new Error('short write to /data/' + file);
}
