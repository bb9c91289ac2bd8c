;; Where a row-major 8-bit image changes down its columns (masks/rleCodec.ts rowFlipsExact and
;; rowFlipsNonzero), 16 pixels a step with WebAssembly SIMD: the image compared with itself one row up.
;; masks/wasm/kernels.ts loads it; tools/build-wasm.mjs assembles this file into rowFlipsWasm.ts
;; (`npm run build:wasm`), and test/unit/engine/masks/rowFlipsWasm.test.ts checks that the two agree
;; and that the flips are the JavaScript's.
(module
  (memory (export "memory") 1)
  ;; The pixels i >= width of the `area` bytes at `img` that differ from the pixel above (`exact` 1:
  ;; any byte change; 0: only foreground, nonzero, against background), as uint32 indices in increasing
  ;; order at `out`. As the JavaScript does: whole 16-byte steps while i < area - 15, and after each
  ;; step that found some, -1 once more than `limit` are found; then the last pixels one at a time,
  ;; with no limit (`out` holds limit + 32 entries). Returns the count, or -1.
  (func (export "flips") (param $img i32) (param $width i32) (param $area i32) (param $exact i32) (param $limit i32) (param $out i32) (result i32)
    (local $i i32) (local $end i32) (local $t i32) (local $m i32) (local $a v128) (local $b v128) (local $d v128)
    (local.set $i (local.get $width))
    (local.set $end (i32.sub (local.get $area) (i32.const 15)))
    (block $done (loop $step
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (local.set $a (v128.load (i32.add (local.get $img) (local.get $i))))
      (local.set $b (v128.load (i32.sub (i32.add (local.get $img) (local.get $i)) (local.get $width))))
      (local.set $d
        (if (result v128) (local.get $exact)
          (then (i8x16.ne (local.get $a) (local.get $b)))
          (else (v128.xor (i8x16.eq (local.get $a) (v128.const i32x4 0 0 0 0)) (i8x16.eq (local.get $b) (v128.const i32x4 0 0 0 0))))))
      (if (v128.any_true (local.get $d)) (then
        (local.set $m (i8x16.bitmask (local.get $d)))
        (block $bits (loop $bit
          (br_if $bits (i32.eqz (local.get $m)))
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $t) (i32.const 2)))
            (i32.add (local.get $i) (i32.ctz (local.get $m))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
          (br $bit)))
        (if (i32.gt_s (local.get $t) (local.get $limit)) (then (return (i32.const -1))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $step)))
    ;; the last pixels
    (block $tdone (loop $tail
      (br_if $tdone (i32.ge_s (local.get $i) (local.get $area)))
      (if (if (result i32) (local.get $exact)
            (then (i32.ne (i32.load8_u (i32.add (local.get $img) (local.get $i)))
                          (i32.load8_u (i32.sub (i32.add (local.get $img) (local.get $i)) (local.get $width)))))
            (else (i32.ne (i32.eqz (i32.load8_u (i32.add (local.get $img) (local.get $i))))
                          (i32.eqz (i32.load8_u (i32.sub (i32.add (local.get $img) (local.get $i)) (local.get $width)))))))
        (then
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $t) (i32.const 2))) (local.get $i))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
    (local.get $t)))
