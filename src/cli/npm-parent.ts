// `npx wasmkube up` / `npm run`: npm passes SIGTERM to the `sh -c` it started, not to us, and dash
// dies of it without passing it on. Under npm, the parent going away is taken as that signal.

/** Calls `onGone` once when the process that started this one exits, if npm started it; else nothing. */
export function onNpmParentExit(onGone: () => void, everyMs = 250): void {
  if (process.env.npm_execpath === undefined && process.env.npm_command === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
}
