;; chatty-component: every request writes 4 MiB to stderr (65536 lines of 64 bytes, 4 KiB per
;; blocking write), then answers 200 text/plain "chatty\n": the per-request log budget's test guest.
(module
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields.new (result i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.append"
    (func $fields.append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response"
    (func $response.new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body"
    (func $response.body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body.write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish"
    (func $body.finish (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set"
    (func $outparam.set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request"
    (func $request.drop (param i32)))
  (import "wasi:cli/stderr@0.2.12" "get-stderr" (func $get-stderr (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $out.write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $out.drop (param i32)))

  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 16384))

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
  (data (i32.const 16) "content-type")
  (data (i32.const 32) "text/plain")
  (data (i32.const 48) "chatty\n")
  ;; One 64-byte line at 4096, copied 63 times to fill 4096..8191.
  (data (i32.const 4096) "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n")

  (func $check (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then unreachable))
    (i32.load (i32.add (local.get $ret) (i32.const 4))))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32) (local $err i32)
    (local $i i32)
    (global.set $heap (i32.const 16384))
    (local.set $i (i32.const 1))
    (loop $fill
      (memory.copy (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 6))) (i32.const 4096)
        (i32.const 64))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 64))))
    (local.set $err (call $get-stderr))
    (local.set $i (i32.const 0))
    (loop $flood
      (call $out.write (local.get $err) (i32.const 4096) (i32.const 4096) (i32.const 1024))
      (if (i32.load8_u (i32.const 1024)) (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $flood (i32.lt_u (local.get $i) (i32.const 1024))))
    (call $out.drop (local.get $err))
    (local.set $headers (call $fields.new))
    (call $fields.append (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 10)
      (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (local.set $response (call $response.new (local.get $headers)))
    (call $response.body (local.get $response) (i32.const 1024))
    (local.set $body (call $check (i32.const 1024)))
    (call $body.write (local.get $body) (i32.const 1024))
    (local.set $stream (call $check (i32.const 1024)))
    (call $outparam.set (local.get $outparam) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $out.write (local.get $stream) (i32.const 48) (i32.const 7) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (call $out.drop (local.get $stream))
    (call $body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (call $request.drop (local.get $request)))
)
