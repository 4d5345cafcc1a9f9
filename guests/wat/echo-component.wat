;; echo-component: streams the request body back chunk by chunk (read up to 64 KiB, write in 4 KiB
;; pieces, the most blocking-write-and-flush accepts), 200 application/octet-stream, no request headers.
(module
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields.new (result i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.append"
    (func $fields.append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.consume" (func $request.consume (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-body.stream" (func $in-body.stream (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response"
    (func $response.new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body"
    (func $response.body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body.write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish"
    (func $body.finish (param i32 i32 i32 i32)))
  ;; result<own<outgoing-response>, error-code> flattens to 8 values after the outparam handle.
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

  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))

  ;; Bump allocator for lists the host hands in; the handler resets it, so nothing outlives a request.
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
  (data (i32.const 32) "application/octet-stream")

  ;; Every result<> lands at 1024: the discriminant byte, then the payload at +4.
  (func $check (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then unreachable))
    (i32.load (i32.add (local.get $ret) (i32.const 4))))

  ;; Writes [ptr, ptr+len) in pieces of at most 4096 bytes.
  (func $write-all (param $stream i32) (param $ptr i32) (param $len i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $n (select (i32.const 4096) (local.get $len) (i32.gt_u (local.get $len) (i32.const 4096))))
        (call $out.write (local.get $stream) (local.get $ptr) (local.get $n) (i32.const 1024))
        (if (i32.load8_u (i32.const 1024)) (then unreachable))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $more))))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $out i32)
    (local $in-body i32) (local $in i32)
    (global.set $heap (i32.const 4096))
    (call $request.consume (local.get $request) (i32.const 1024))
    (local.set $in-body (call $check (i32.const 1024)))
    (call $in-body.stream (local.get $in-body) (i32.const 1024))
    (local.set $in (call $check (i32.const 1024)))

    (local.set $headers (call $fields.new))
    (call $fields.append (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 24)
      (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (local.set $response (call $response.new (local.get $headers)))
    (call $response.body (local.get $response) (i32.const 1024))
    (local.set $body (call $check (i32.const 1024)))
    (call $body.write (local.get $body) (i32.const 1024))
    (local.set $out (call $check (i32.const 1024)))
    (call $outparam.set (local.get $outparam) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))

    (block $eof
      (loop $chunk
        ;; result<list<u8>, stream-error> at 1024: ok → ptr at +4, len at +8;
        ;; err → stream-error tag at +4 (0 last-operation-failed with an error handle at +8, 1 closed).
        (call $in.read (local.get $in) (i64.const 65536) (i32.const 1024))
        (if (i32.load8_u (i32.const 1024))
          (then
            (if (i32.eqz (i32.load8_u (i32.const 1028))) (then (call $error.drop (i32.load (i32.const 1032)))))
            (br $eof)))
        (call $write-all (local.get $out) (i32.load (i32.const 1028)) (i32.load (i32.const 1032)))
        (global.set $heap (i32.const 4096))
        (br $chunk)))

    ;; Children go before their parents: streams before bodies, the body before the request.
    (call $in.drop (local.get $in))
    (call $in-body.drop (local.get $in-body))
    (call $out.drop (local.get $out))
    (call $body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (call $request.drop (local.get $request)))
)
