;; Exact integer kernels of OpenCV's INTER_LINEAR resize of interleaved 8-bit images (resample/cv2.ts),
;; and of the conversion of 8-bit rows to normalized float planes (preprocess.ts toNormalizedPlanes),
;; with WebAssembly SIMD. resample/wasm/kernels.ts loads them and drives them row by row;
;; tools/build-wasm.mjs assembles this file into cv2Wasm.ts (`npm run build:wasm`), and
;; test/unit/engine/models/cv2Wasm.test.ts checks that the two agree and that the results are the
;; JavaScript's bytes and floats.
;;
;; Everything here is integer arithmetic (or a table look-up), so exactness is a matter of doing the
;; same operations: the products fit in 32 bits (pixel <= 255, weights <= 2048; R >> 4 <= 32640), and
;; the saturating narrowings are the JavaScript's clamp to 0..255.
;;
;; Pointers are byte offsets into the exported memory. Kernels read and write a little past the end of
;; a row (at most 16 bytes past a row of bytes or int32s, up to `channels` + 8 bytes past a source row),
;; and vrow works in whole groups of 16 values: the caller sizes and pads its blocks for that. The
;; lane arithmetic is written out where it is used: a call per vector (V8 does not inline them here)
;; made the kernels about twice as slow.
(module
  (memory (export "memory") 1)

  ;; The horizontal pass of one source row: for each of the `n` output pixels x, with the left tap's
  ;; byte offset `ofs[x]` (int32, relative to `src`) and the weights packed as `a0 | a1 << 16` in
  ;; `wts[x]` (int32), the `channels` int32 values `p[s + c] * a0 + p[s + c + channels] * a1` at
  ;; dst + x*channels*4. A right tap past the row has weight 0 (the bytes it reads do not count).
  ;; Pixels go four channels at a time: the two taps' bytes interleaved as int16 lanes and one
  ;; i32x4.dot_i16x8_s against (a0, a1) pairs; the lanes past the pixel are rewritten by the next.
  (func (export "hrow") (param $src i32) (param $ofs i32) (param $wts i32) (param $n i32) (param $channels i32) (param $dst i32)
    (local $x i32) (local $p i32) (local $k i32) (local $W v128)
    (if (i32.eq (local.get $channels) (i32.const 3))
      (then
        ;; RGB: both taps' six bytes in one 8-byte load, shuffled straight into (p0, p3, p1, p4, p2, p5) int16 lanes.
        (block $done3 (loop $l3
          (br_if $done3 (i32.ge_u (local.get $x) (local.get $n)))
          (local.set $p (i32.add (local.get $src) (i32.load (local.get $ofs))))
          (v128.store (local.get $dst)
            (i32x4.dot_i16x8_s
              (i8x16.shuffle 0 16 3 16 1 16 4 16 2 16 5 16 16 16 16 16
                (v128.load64_zero (local.get $p)) (v128.const i32x4 0 0 0 0))
              (v128.load32_splat (local.get $wts))))
          (local.set $ofs (i32.add (local.get $ofs) (i32.const 4)))
          (local.set $wts (i32.add (local.get $wts) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 12)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $l3)))
        (return)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $x) (local.get $n)))
      (local.set $p (i32.add (local.get $src) (i32.load (local.get $ofs))))
      (local.set $W (v128.load32_splat (local.get $wts)))
      (local.set $k (i32.const 0))
      (block $cdone (loop $cl
        (br_if $cdone (i32.ge_u (local.get $k) (local.get $channels)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
          (i32x4.dot_i16x8_s
            (i16x8.extend_low_i8x16_u
              (i8x16.shuffle 0 16 1 17 2 18 3 19 0 0 0 0 0 0 0 0
                (v128.load32_zero (i32.add (local.get $p) (local.get $k)))
                (v128.load32_zero (i32.add (i32.add (local.get $p) (local.get $channels)) (local.get $k)))))
            (local.get $W)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $cl)))
      (local.set $ofs (i32.add (local.get $ofs) (i32.const 4)))
      (local.set $wts (i32.add (local.get $wts) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $channels) (i32.const 2))))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br $l))))

  ;; The vertical pass of one output row: the `n` int32 values of the horizontally resampled rows at
  ;; `r0` and `r1` mixed with weights b0, b1, `((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16) + 2) >> 2`,
  ;; and saturated to bytes at `dst`, 16 at a time (the int32->int16->uint8 saturating narrowings are
  ;; the clamp to 0..255; values past n are computed from whatever the padding holds, and ignored).
  (func (export "vrow") (param $r0 i32) (param $r1 i32) (param $b0 i32) (param $b1 i32) (param $n i32) (param $dst i32)
    (local $i i32) (local $B0 v128) (local $B1 v128)
    (local.set $B0 (i32x4.splat (local.get $b0)))
    (local.set $B1 (i32x4.splat (local.get $b1)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (v128.store (local.get $dst)
        (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s
              (i32x4.add
                (i32x4.add
                  (i32x4.shr_s (i32x4.mul (local.get $B0) (i32x4.shr_s (v128.load (local.get $r0)) (i32.const 4))) (i32.const 16))
                  (i32x4.shr_s (i32x4.mul (local.get $B1) (i32x4.shr_s (v128.load (local.get $r1)) (i32.const 4))) (i32.const 16)))
                (v128.const i32x4 2 2 2 2))
              (i32.const 2))
            (i32x4.shr_s
              (i32x4.add
                (i32x4.add
                  (i32x4.shr_s (i32x4.mul (local.get $B0) (i32x4.shr_s (v128.load offset=16 (local.get $r0)) (i32.const 4))) (i32.const 16))
                  (i32x4.shr_s (i32x4.mul (local.get $B1) (i32x4.shr_s (v128.load offset=16 (local.get $r1)) (i32.const 4))) (i32.const 16)))
                (v128.const i32x4 2 2 2 2))
              (i32.const 2)))
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s
              (i32x4.add
                (i32x4.add
                  (i32x4.shr_s (i32x4.mul (local.get $B0) (i32x4.shr_s (v128.load offset=32 (local.get $r0)) (i32.const 4))) (i32.const 16))
                  (i32x4.shr_s (i32x4.mul (local.get $B1) (i32x4.shr_s (v128.load offset=32 (local.get $r1)) (i32.const 4))) (i32.const 16)))
                (v128.const i32x4 2 2 2 2))
              (i32.const 2))
            (i32x4.shr_s
              (i32x4.add
                (i32x4.add
                  (i32x4.shr_s (i32x4.mul (local.get $B0) (i32x4.shr_s (v128.load offset=48 (local.get $r0)) (i32.const 4))) (i32.const 16))
                  (i32x4.shr_s (i32x4.mul (local.get $B1) (i32x4.shr_s (v128.load offset=48 (local.get $r1)) (i32.const 4))) (i32.const 16)))
                (v128.const i32x4 2 2 2 2))
              (i32.const 2)))))
      (local.set $r0 (i32.add (local.get $r0) (i32.const 64)))
      (local.set $r1 (i32.add (local.get $r1) (i32.const 64)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; One row of three float planes from 8-bit RGB pixels: for x in 0..n, tensor channel c of pixel x
  ;; (its byte `s_c`: the channel order) looked up in the c-th 256-entry float32 table at lut + c*1024,
  ;; stored at q_c + x*4, or at q_c + (n-1-x)*4 when `flip` is 1 (a mirrored row).
  ;; Four pixels at a time: their bytes of a channel swizzled into int32 lanes, made table addresses,
  ;; looked up lane by lane and stored as one vector (lanes reversed for a flip); the rest one by one.
  (func (export "planes")
        (param $p i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32) (param $lut i32)
        (param $q0 i32) (param $q1 i32) (param $q2 i32) (param $flip i32)
    (local $x i32) (local $n4 i32) (local $o i32) (local $step i32) (local $a i32) (local $v v128) (local $A v128) (local $R v128)
    (local $I0 v128) (local $I1 v128) (local $I2 v128) (local $L0 v128) (local $L1 v128) (local $L2 v128)
    ;; byte s_c + 3k into int32 lane k (0x80: a zero byte)
    (local.set $I0 (i32x4.add (i32x4.splat (local.get $s0)) (v128.const i32x4 0x80808000 0x80808003 0x80808006 0x80808009)))
    (local.set $I1 (i32x4.add (i32x4.splat (local.get $s1)) (v128.const i32x4 0x80808000 0x80808003 0x80808006 0x80808009)))
    (local.set $I2 (i32x4.add (i32x4.splat (local.get $s2)) (v128.const i32x4 0x80808000 0x80808003 0x80808006 0x80808009)))
    (local.set $L0 (i32x4.splat (local.get $lut)))
    (local.set $L1 (i32x4.splat (i32.add (local.get $lut) (i32.const 1024))))
    (local.set $L2 (i32x4.splat (i32.add (local.get $lut) (i32.const 2048))))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (if (local.get $flip)
      (then
        (local.set $o (i32.shl (i32.sub (local.get $n) (i32.const 4)) (i32.const 2)))
        (local.set $step (i32.const -16))
        (local.set $R (v128.const i8x16 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3)))
      (else
        (local.set $step (i32.const 16))
        (local.set $R (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))))
    (block $done4 (loop $l4
      (br_if $done4 (i32.ge_u (local.get $x) (local.get $n4)))
      (local.set $v (v128.load (i32.add (local.get $p) (i32.mul (local.get $x) (i32.const 3)))))
      (local.set $A (i32x4.add (i32x4.shl (i8x16.swizzle (local.get $v) (local.get $I0)) (i32.const 2)) (local.get $L0)))
      (v128.store (i32.add (local.get $q0) (local.get $o))
        (i8x16.swizzle (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1
          (f32x4.splat (f32.load (i32x4.extract_lane 0 (local.get $A))))
          (f32.load (i32x4.extract_lane 1 (local.get $A)))) (f32.load (i32x4.extract_lane 2 (local.get $A)))) (f32.load (i32x4.extract_lane 3 (local.get $A))))
          (local.get $R)))
      (local.set $A (i32x4.add (i32x4.shl (i8x16.swizzle (local.get $v) (local.get $I1)) (i32.const 2)) (local.get $L1)))
      (v128.store (i32.add (local.get $q1) (local.get $o))
        (i8x16.swizzle (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1
          (f32x4.splat (f32.load (i32x4.extract_lane 0 (local.get $A))))
          (f32.load (i32x4.extract_lane 1 (local.get $A)))) (f32.load (i32x4.extract_lane 2 (local.get $A)))) (f32.load (i32x4.extract_lane 3 (local.get $A))))
          (local.get $R)))
      (local.set $A (i32x4.add (i32x4.shl (i8x16.swizzle (local.get $v) (local.get $I2)) (i32.const 2)) (local.get $L2)))
      (v128.store (i32.add (local.get $q2) (local.get $o))
        (i8x16.swizzle (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1
          (f32x4.splat (f32.load (i32x4.extract_lane 0 (local.get $A))))
          (f32.load (i32x4.extract_lane 1 (local.get $A)))) (f32.load (i32x4.extract_lane 2 (local.get $A)))) (f32.load (i32x4.extract_lane 3 (local.get $A))))
          (local.get $R)))
      (local.set $o (i32.add (local.get $o) (local.get $step)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $l4)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $x) (local.get $n)))
      (local.set $o (i32.shl (select (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $x)) (local.get $x) (local.get $flip)) (i32.const 2)))
      (local.set $a (i32.add (local.get $p) (i32.mul (local.get $x) (i32.const 3))))
      (f32.store (i32.add (local.get $q0) (local.get $o))
        (f32.load (i32.add (local.get $lut) (i32.shl (i32.load8_u (i32.add (local.get $a) (local.get $s0))) (i32.const 2)))))
      (f32.store (i32.add (local.get $q1) (local.get $o))
        (f32.load offset=1024 (i32.add (local.get $lut) (i32.shl (i32.load8_u (i32.add (local.get $a) (local.get $s1))) (i32.const 2)))))
      (f32.store (i32.add (local.get $q2) (local.get $o))
        (f32.load offset=2048 (i32.add (local.get $lut) (i32.shl (i32.load8_u (i32.add (local.get $a) (local.get $s2))) (i32.const 2)))))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br $l)))))
