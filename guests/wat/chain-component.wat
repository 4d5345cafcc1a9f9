;; chain-component: a hand-written wasi:http/proxy guest that chains to another service: every request
;; makes `GET http://hello/` through wasi:http/outgoing-handler and streams that answer's body back as
;; its own (200). Small on purpose: the bench row measures the host's chaining, not a language runtime.
(module
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields.new (result i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.append"
    (func $fields.append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-request"
    (func $request.new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-scheme"
    (func $request.set-scheme (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-authority"
    (func $request.set-authority (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-path-with-query"
    (func $request.set-path (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/outgoing-handler@0.2.12" "handle" (func $send (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.subscribe"
    (func $future.subscribe (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.get"
    (func $future.get (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]future-incoming-response"
    (func $future.drop (param i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-response.consume"
    (func $in-response.consume (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-response"
    (func $in-response.drop (param i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-body.stream" (func $in-body.stream (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-body" (func $in-body.drop (param i32)))
  (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $pollable.block (param i32)))
  (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $pollable.drop (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response"
    (func $response.new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code"
    (func $response.set-status (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body"
    (func $response.body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body.write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish"
    (func $body.finish (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set"
    (func $outparam.set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $request.drop (param i32)))
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
  (data (i32.const 32) "text/plain")
  (data (i32.const 48) "hello")
  (data (i32.const 64) "/")

  ;; Every small result<> lands at 1024: the discriminant byte, then the payload at +4.
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
    (local $req i32) (local $future i32) (local $pollable i32) (local $in-response i32)
    (local $in-body i32) (local $in i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $out i32)
    (global.set $heap (i32.const 4096))
    (call $request.drop (local.get $request))

    ;; GET http://hello/
    (local.set $req (call $request.new (call $fields.new)))
    (if (call $request.set-scheme (local.get $req) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))
      (then unreachable))
    (if (call $request.set-authority (local.get $req) (i32.const 1) (i32.const 48) (i32.const 5))
      (then unreachable))
    (if (call $request.set-path (local.get $req) (i32.const 1) (i32.const 64) (i32.const 1))
      (then unreachable))
    ;; result<future-incoming-response, error-code> at 2048: discriminant, handle at +8.
    (call $send (local.get $req) (i32.const 0) (i32.const 0) (i32.const 2048))
    (if (i32.load8_u (i32.const 2048)) (then unreachable))
    (local.set $future (i32.load (i32.const 2056)))
    (local.set $pollable (call $future.subscribe (local.get $future)))
    (call $pollable.block (local.get $pollable))
    (call $pollable.drop (local.get $pollable))
    ;; option<result<result<incoming-response, error-code>>> at 2048: some +0, ok +8, ok +16, handle +24.
    (call $future.get (local.get $future) (i32.const 2048))
    (if (i32.eqz (i32.load8_u (i32.const 2048))) (then unreachable))
    (if (i32.load8_u (i32.const 2056)) (then unreachable))
    (if (i32.load8_u (i32.const 2064)) (then unreachable))
    (local.set $in-response (i32.load (i32.const 2072)))
    (call $in-response.consume (local.get $in-response) (i32.const 1024))
    (local.set $in-body (call $check (i32.const 1024)))
    (call $in-body.stream (local.get $in-body) (i32.const 1024))
    (local.set $in (call $check (i32.const 1024)))

    (local.set $headers (call $fields.new))
    (call $fields.append (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 10)
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

    ;; Children go before their parents: streams before bodies, bodies before their response.
    (call $in.drop (local.get $in))
    (call $in-body.drop (local.get $in-body))
    (call $in-response.drop (local.get $in-response))
    (call $future.drop (local.get $future))
    (call $out.drop (local.get $out))
    (call $body.finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024)) (then unreachable)))
)
