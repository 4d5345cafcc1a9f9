;; files-component: wasi:filesystem from a component. The query names a path in the first preopen
;; (/data, or / when the service has read-only files): GET reads it (200 with its bytes), PUT writes
;; the body to it (201). A filesystem error answers 400 + its error-code index (not-permitted → 431).
(module
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields.new (result i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.method" (func $request.method (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query"
    (func $request.path (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.consume" (func $request.consume (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-body.stream" (func $in-body.stream (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response"
    (func $response.new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code"
    (func $response.status (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body"
    (func $response.body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body.write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish"
    (func $body.finish (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set"
    (func $outparam.set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $request.drop (param i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-body" (func $in-body.drop (param i32)))
  (import "wasi:io/streams@0.2.12" "[method]input-stream.blocking-read"
    (func $in.read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]input-stream" (func $in.drop (param i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $out.write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $out.drop (param i32)))
  (import "wasi:io/error@0.2.12" "[resource-drop]error" (func $error.drop (param i32)))
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $preopens (param i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at"
    (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.read" (func $read (param i32 i64 i64 i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.write" (func $write (param i32 i32 i32 i64 i32)))
  (import "wasi:filesystem/types@0.2.12" "[resource-drop]descriptor" (func $fd.drop (param i32)))

  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 8192))

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32)
    (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.sub (i32.shr_u (i32.add (global.get $heap) (i32.const 65535))
            (i32.const 16)) (memory.size))) (i32.const -1))
          (then unreachable))))
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func $check (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then unreachable))
    (i32.load (i32.add (local.get $ret) (i32.const 4))))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
    (local $path i32) (local $plen i32) (local $i i32) (local $put i32) (local $dirs i32) (local $ndirs i32)
    (local $dir i32) (local $fd i32) (local $data i32) (local $dlen i32) (local $status i32)
    (local $in-body i32) (local $in i32) (local $headers i32) (local $response i32) (local $body i32)
    (local $out i32)
    (global.set $heap (i32.const 8192))
    (local.set $status (i32.const 200))
    ;; The query: what follows '?' in path-with-query (option<string> at 1024).
    (call $request.path (local.get $request) (i32.const 1024))
    (if (i32.eqz (i32.load8_u (i32.const 1024))) (then unreachable))
    (local.set $path (i32.load (i32.const 1028)))
    (local.set $plen (i32.load (i32.const 1032)))
    (block $found
      (loop $scan
        (br_if $found (i32.ge_u (local.get $i) (local.get $plen)))
        (if (i32.eq (i32.load8_u (i32.add (local.get $path) (local.get $i))) (i32.const 63))
          (then
            (local.set $path (i32.add (local.get $path) (i32.add (local.get $i) (i32.const 1))))
            (local.set $plen (i32.sub (local.get $plen) (i32.add (local.get $i) (i32.const 1))))
            (br $found)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    ;; method: variant tag at 1040 (PUT = 3).
    (call $request.method (local.get $request) (i32.const 1040))
    (local.set $put (i32.eq (i32.load8_u (i32.const 1040)) (i32.const 3)))
    ;; The first preopen: list<tuple<own<descriptor>, string>> at 1056 (12 bytes an element).
    (call $preopens (i32.const 1056))
    (local.set $dirs (i32.load (i32.const 1056)))
    (local.set $ndirs (i32.load (i32.const 1060)))
    (if (i32.eqz (local.get $ndirs)) (then unreachable))
    (local.set $dir (i32.load (local.get $dirs)))

    (if (local.get $put)
      (then
        (call $request.consume (local.get $request) (i32.const 1072))
        (local.set $in-body (call $check (i32.const 1072)))
        (call $in-body.stream (local.get $in-body) (i32.const 1072))
        (local.set $in (call $check (i32.const 1072)))
        (call $in.read (local.get $in) (i64.const 65536) (i32.const 1088))
        (if (i32.load8_u (i32.const 1088))
          (then
            (if (i32.eqz (i32.load8_u (i32.const 1092))) (then (call $error.drop (i32.load (i32.const 1096))))))
          (else
            (local.set $data (i32.load (i32.const 1092)))
            (local.set $dlen (i32.load (i32.const 1096)))))
        (call $in.drop (local.get $in))
        (call $in-body.drop (local.get $in-body))
        ;; open-at(no follow, create|truncate, write) → result at 1104.
        (call $open-at (local.get $dir) (i32.const 0) (local.get $path) (local.get $plen) (i32.const 9)
          (i32.const 2) (i32.const 1104))
        (if (i32.load8_u (i32.const 1104))
          (then (local.set $status (i32.add (i32.const 400) (i32.load8_u (i32.const 1108)))))
          (else
            (local.set $fd (i32.load (i32.const 1108)))
            (call $write (local.get $fd) (local.get $data) (local.get $dlen) (i64.const 0) (i32.const 1120))
            (if (i32.load8_u (i32.const 1120))
              (then (local.set $status (i32.add (i32.const 400) (i32.load8_u (i32.const 1128)))))
              (else (local.set $status (i32.const 201))))
            (call $fd.drop (local.get $fd))))
        (local.set $dlen (i32.const 0)))
      (else
        ;; open-at(follow symlinks, no open flags, read) → result at 1104; read 64 KiB at 1120.
        (call $open-at (local.get $dir) (i32.const 1) (local.get $path) (local.get $plen) (i32.const 0)
          (i32.const 1) (i32.const 1104))
        (if (i32.load8_u (i32.const 1104))
          (then (local.set $status (i32.add (i32.const 400) (i32.load8_u (i32.const 1108)))))
          (else
            (local.set $fd (i32.load (i32.const 1108)))
            (call $read (local.get $fd) (i64.const 65536) (i64.const 0) (i32.const 1120))
            (if (i32.load8_u (i32.const 1120))
              (then (local.set $status (i32.add (i32.const 400) (i32.load8_u (i32.const 1124)))))
              (else
                (local.set $data (i32.load (i32.const 1124)))
                (local.set $dlen (i32.load (i32.const 1128)))))
            (call $fd.drop (local.get $fd))))))
    ;; Every preopen handle get-directories gave is ours to drop.
    (local.set $i (i32.const 0))
    (block $dropped
      (loop $drop
        (br_if $dropped (i32.ge_u (local.get $i) (local.get $ndirs)))
        (call $fd.drop (i32.load (i32.add (local.get $dirs) (i32.mul (local.get $i) (i32.const 12)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $drop)))

    (local.set $headers (call $fields.new))
    (local.set $response (call $response.new (local.get $headers)))
    (drop (call $response.status (local.get $response) (local.get $status)))
    (call $response.body (local.get $response) (i32.const 1136))
    (local.set $body (call $check (i32.const 1136)))
    (call $body.write (local.get $body) (i32.const 1136))
    (local.set $out (call $check (i32.const 1136)))
    (call $outparam.set (local.get $outparam) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (if (local.get $dlen)
      (then
        (call $out.write (local.get $out) (local.get $data) (local.get $dlen) (i32.const 1136))
        (if (i32.load8_u (i32.const 1136)) (then unreachable))))
    (call $out.drop (local.get $out))
    (call $body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 1136))
    (if (i32.load8_u (i32.const 1136)) (then unreachable))
    (call $request.drop (local.get $request)))
)
