;; kv-component: hello-component plus one key-value read and write per request (wasi:keyvalue 0.2.0-draft2
;; store "default", key "counter"), for the key-value bench row. 200 text/plain "hello from kv\n"; a
;; store error or access-denied traps (the host answers 500).
(module
  (import "wasi:keyvalue/store@0.2.0-draft2" "open" (func $kv.open (param i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.get" (func $kv.get (param i32 i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[method]bucket.set"
    (func $kv.set (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:keyvalue/store@0.2.0-draft2" "[resource-drop]bucket" (func $kv.drop (param i32)))
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
  ;; result<own<outgoing-response>, error-code> flattens to 8 values after the outparam handle.
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set"
    (func $outparam.set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request"
    (func $request.drop (param i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $out.write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $out.drop (param i32)))

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
  (data (i32.const 32) "text/plain")
  (data (i32.const 48) "hello from kv\n")
  (data (i32.const 80) "default")
  (data (i32.const 96) "counter")

  ;; Every result<> lands at 1024: the discriminant byte, then the payload at +4.
  (func $check (param $ret i32) (result i32)
    (if (i32.load8_u (local.get $ret)) (then unreachable))
    (i32.load (i32.add (local.get $ret) (i32.const 4))))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $outparam i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32) (local $bucket i32)
    (local $len i32)
    (global.set $heap (i32.const 4096))
    ;; open("default"): result<own<bucket>, error> at 1024.
    (call $kv.open (i32.const 80) (i32.const 7) (i32.const 1024))
    (local.set $bucket (call $check (i32.const 1024)))
    ;; get("counter"): result<option<list<u8>>, error>: option tag at +4, list at +8/+12.
    (call $kv.get (local.get $bucket) (i32.const 96) (i32.const 7) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (local.set $len (select (i32.load (i32.const 1036)) (i32.const 0) (i32.load8_u (i32.const 1028))))
    ;; set("counter", the bytes read plus one more, capped at 64): a value that changes every request.
    (local.set $len (select (i32.const 1) (i32.add (local.get $len) (i32.const 1))
      (i32.ge_u (local.get $len) (i32.const 64))))
    (call $kv.set (local.get $bucket) (i32.const 96) (i32.const 7) (i32.const 48) (local.get $len)
      (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (call $kv.drop (local.get $bucket))
    (local.set $headers (call $fields.new))
    (call $fields.append (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 10)
      (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (local.set $response (call $response.new (local.get $headers)))
    (call $response.body (local.get $response) (i32.const 1024))
    (local.set $body (call $check (i32.const 1024)))
    (call $body.write (local.get $body) (i32.const 1024))
    (local.set $stream (call $check (i32.const 1024)))
    ;; Hand the response over before writing so a streaming host can send the head at once.
    (call $outparam.set (local.get $outparam) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $out.write (local.get $stream) (i32.const 48) (i32.const 14) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    ;; The stream is a child of the body: it must be gone before the body is finished.
    (call $out.drop (local.get $stream))
    (call $body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable))
    (call $request.drop (local.get $request)))
)
