;; Exact float32 kernels of torch's bilinear resize (its generic CPU kernel) and of ToCo's CAM fusion,
;; with WebAssembly SIMD. tokens/wasm/kernels.ts loads them; tools/build-wasm.mjs assembles this file
;; into bilinearWasm.ts (`npm run build:wasm`), and test/unit/engine/tokens/wasmKernels.test.ts checks
;; that the two agree and that the results are the JavaScript kernels' bits (tokens/interpolate.ts,
;; tokens/cam.ts).
;;
;; torch computes `fma(a, b, c)` in float32, rounded once. Here a*b is exact in a double; a*b + c
;; is rounded to a double and then to float32, and that second rounding could be wrong where the
;; first left the double exactly halfway between two float32 values. So the first rounding is made
;; round-to-odd (Boldo and Melquiond: rounding to odd with two bits more than the target's precision,
;; then to nearest, is rounding to nearest once): TwoSum gives the sum's rounding error; where it is
;; not 0, the double is truncated toward zero and its last bit set. No halfway double is left, for
;; every finite input, subnormal and overflowing results included, so no lane needs a second look.
;;
;; Pointers are byte offsets into the exported memory; index tables are int32, weights float32.
(module
  (memory (export "memory") 1)
  ;; fma(a, b, c) of float32 values (given as f64) rounded once to float32 (round-to-odd, above).
  (func $fma32 (param $a f64) (param $b f64) (param $c f64) (result f32)
    (local $p f64) (local $s f64) (local $pv f64) (local $err f64) (local $bits i64)
    (local.set $p (f64.mul (local.get $a) (local.get $b)))
    (local.set $s (f64.add (local.get $p) (local.get $c)))
    (local.set $pv (f64.sub (local.get $s) (local.get $c)))
    (local.set $err (f64.add (f64.sub (local.get $p) (local.get $pv))
                             (f64.sub (local.get $c) (f64.sub (local.get $s) (local.get $pv)))))
    (if (f64.eq (local.get $err) (f64.const 0)) (then (return (f32.demote_f64 (local.get $s)))))
    (local.set $bits (i64.reinterpret_f64 (local.get $s)))
    ;; The exact sum is smaller in magnitude than s when their signs differ: one step toward zero.
    (if (i64.lt_s (i64.xor (i64.reinterpret_f64 (local.get $err)) (local.get $bits)) (i64.const 0))
      (then (local.set $bits (i64.sub (local.get $bits) (i64.const 1)))))
    (f32.demote_f64 (f64.reinterpret_i64 (i64.or (local.get $bits) (i64.const 1)))))

  ;; torch's generic kernel, one tap pair: fma(top, h0, float32(bottom * h1)).
  (func $lerp (param $top f32) (param $bottom f32) (param $h0 f32) (param $h1 f32) (result f32)
    (call $fma32 (f64.promote_f32 (local.get $top)) (f64.promote_f32 (local.get $h0))
      (f64.promote_f32 (f32.mul (local.get $bottom) (local.get $h1)))))

  ;; Source rows along x: for each of the `n` row indices listed at `rows`, row y of the [*, sw] plane
  ;; at `src` resampled to `dw` values at out + y*dw*4 (reversed when `rev` is 1: x -> dw-1-x).
  (func (export "hrows") (param $src i32) (param $sw i32) (param $rows i32) (param $n i32)
        (param $lo i32) (param $hi i32) (param $w0 i32) (param $w1 i32) (param $dw i32) (param $out i32) (param $rev i32)
    (local $r i32) (local $s i32) (local $o i32) (local $x i32) (local $x4 i32) (local $step i32) (local $y i32) (local $dw4 i32)
    (local $tv v128) (local $bv v128) (local $W0 v128) (local $q v128) (local $v v128)
    (local $pv v128) (local $err v128) (local $nz v128) (local $pl v128) (local $ph v128) (local $cl v128) (local $ch v128) (local $sl v128) (local $sh v128)
    (local.set $dw4 (i32.and (local.get $dw) (i32.const -4)))
    (block $done (loop $rowl
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $y (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $y) (local.get $sw)) (i32.const 2))))
      (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $y) (local.get $dw)) (i32.const 2))))
      (local.set $step (i32.const 4))
      (if (local.get $rev) (then
        (local.set $o (i32.add (local.get $o) (i32.shl (i32.sub (local.get $dw) (i32.const 1)) (i32.const 2))))
        (local.set $step (i32.const -4))))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x) (local.get $dw4)))
        (local.set $x4 (i32.shl (local.get $x) (i32.const 2)))
        (local.set $tv (f32x4.splat (f32.load (i32.add (local.get $s) (i32.shl (i32.load (i32.add (local.get $lo) (local.get $x4))) (i32.const 2))))))
        (local.set $tv (f32x4.replace_lane 1 (local.get $tv) (f32.load (i32.add (local.get $s) (i32.shl (i32.load offset=4 (i32.add (local.get $lo) (local.get $x4))) (i32.const 2))))))
        (local.set $tv (f32x4.replace_lane 2 (local.get $tv) (f32.load (i32.add (local.get $s) (i32.shl (i32.load offset=8 (i32.add (local.get $lo) (local.get $x4))) (i32.const 2))))))
        (local.set $tv (f32x4.replace_lane 3 (local.get $tv) (f32.load (i32.add (local.get $s) (i32.shl (i32.load offset=12 (i32.add (local.get $lo) (local.get $x4))) (i32.const 2))))))
        (local.set $bv (f32x4.splat (f32.load (i32.add (local.get $s) (i32.shl (i32.load (i32.add (local.get $hi) (local.get $x4))) (i32.const 2))))))
        (local.set $bv (f32x4.replace_lane 1 (local.get $bv) (f32.load (i32.add (local.get $s) (i32.shl (i32.load offset=4 (i32.add (local.get $hi) (local.get $x4))) (i32.const 2))))))
        (local.set $bv (f32x4.replace_lane 2 (local.get $bv) (f32.load (i32.add (local.get $s) (i32.shl (i32.load offset=8 (i32.add (local.get $hi) (local.get $x4))) (i32.const 2))))))
        (local.set $bv (f32x4.replace_lane 3 (local.get $bv) (f32.load (i32.add (local.get $s) (i32.shl (i32.load offset=12 (i32.add (local.get $hi) (local.get $x4))) (i32.const 2))))))
        (local.set $W0 (v128.load (i32.add (local.get $w0) (local.get $x4))))
        (local.set $q (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $w1) (local.get $x4)))))
        (local.set $pl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $tv)) (f64x2.promote_low_f32x4 (local.get $W0))))
        (local.set $ph (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $W0) (local.get $W0)))))
        (local.set $cl (f64x2.promote_low_f32x4 (local.get $q)))
        (local.set $ch (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
        (local.set $sl (f64x2.add (local.get $pl) (local.get $cl)))
        (local.set $pv (f64x2.sub (local.get $sl) (local.get $cl)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $pl) (local.get $pv)) (f64x2.sub (local.get $cl) (f64x2.sub (local.get $sl) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sl (v128.or
          (i64x2.add (local.get $sl) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sl)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $sh (f64x2.add (local.get $ph) (local.get $ch)))
        (local.set $pv (f64x2.sub (local.get $sh) (local.get $ch)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $ph) (local.get $pv)) (f64x2.sub (local.get $ch) (f64x2.sub (local.get $sh) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sh (v128.or
          (i64x2.add (local.get $sh) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sh)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                        (f32x4.demote_f64x2_zero (local.get $sl)) (f32x4.demote_f64x2_zero (local.get $sh))))
        (if (local.get $rev)
          (then
            (v128.store (i32.sub (local.get $o) (i32.const 12))
              (i8x16.shuffle 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v)))
            (local.set $o (i32.sub (local.get $o) (i32.const 16))))
          (else
            (v128.store (local.get $o) (local.get $v))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $xl)))
      (block $tdone (loop $tl
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $dw)))
        (local.set $x4 (i32.shl (local.get $x) (i32.const 2)))
        (f32.store (local.get $o)
          (call $lerp
            (f32.load (i32.add (local.get $s) (i32.shl (i32.load (i32.add (local.get $lo) (local.get $x4))) (i32.const 2))))
            (f32.load (i32.add (local.get $s) (i32.shl (i32.load (i32.add (local.get $hi) (local.get $x4))) (i32.const 2))))
            (f32.load (i32.add (local.get $w0) (local.get $x4)))
            (f32.load (i32.add (local.get $w1) (local.get $x4)))))
        (local.set $o (i32.add (local.get $o) (local.get $step)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $tl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowl))))

  ;; Output rows along y: out row y (dw values) = lerp(row lo[y], row hi[y], w0[y], w1[y]) of the
  ;; resampled source rows at `h` (row i at h + i*dw*4).
  (func (export "vrows") (param $h i32) (param $lo i32) (param $hi i32) (param $w0 i32) (param $w1 i32)
        (param $dh i32) (param $dw i32) (param $out i32)
    (local $y i32) (local $x i32) (local $rowB i32) (local $t i32) (local $b i32) (local $o i32) (local $dw4 i32)
    (local $h0 f32) (local $h1 f32) (local $H0 v128) (local $H1 v128) (local $q v128) (local $tv v128) (local $v v128)
    (local $pv v128) (local $err v128) (local $nz v128) (local $pl v128) (local $ph v128) (local $cl v128) (local $ch v128) (local $sl v128) (local $sh v128)
    (local.set $rowB (i32.shl (local.get $dw) (i32.const 2)))
    (local.set $dw4 (i32.and (local.get $dw) (i32.const -4)))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $dh)))
      (local.set $h0 (f32.load (i32.add (local.get $w0) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $h1 (f32.load (i32.add (local.get $w1) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $H0 (f64x2.splat (f64.promote_f32 (local.get $h0))))
      (local.set $H1 (f32x4.splat (local.get $h1)))
      (local.set $t (i32.add (local.get $h) (i32.mul (i32.load (i32.add (local.get $lo) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB))))
      (local.set $b (i32.add (local.get $h) (i32.mul (i32.load (i32.add (local.get $hi) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB))))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $rowB))))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x) (local.get $dw4)))
        (local.set $q (f32x4.mul (v128.load (local.get $b)) (local.get $H1)))
        (local.set $tv (v128.load (local.get $t)))
        (local.set $pl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $tv)) (local.get $H0)))
        (local.set $ph (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))) (local.get $H0)))
        (local.set $cl (f64x2.promote_low_f32x4 (local.get $q)))
        (local.set $ch (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
        (local.set $sl (f64x2.add (local.get $pl) (local.get $cl)))
        (local.set $pv (f64x2.sub (local.get $sl) (local.get $cl)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $pl) (local.get $pv)) (f64x2.sub (local.get $cl) (f64x2.sub (local.get $sl) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sl (v128.or
          (i64x2.add (local.get $sl) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sl)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $sh (f64x2.add (local.get $ph) (local.get $ch)))
        (local.set $pv (f64x2.sub (local.get $sh) (local.get $ch)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $ph) (local.get $pv)) (f64x2.sub (local.get $ch) (f64x2.sub (local.get $sh) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sh (v128.or
          (i64x2.add (local.get $sh) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sh)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                        (f32x4.demote_f64x2_zero (local.get $sl)) (f32x4.demote_f64x2_zero (local.get $sh))))
        (v128.store (local.get $o) (local.get $v))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $xl)))
      (block $tdone (loop $tl
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $dw)))
        (f32.store (local.get $o) (call $lerp (f32.load (local.get $t)) (f32.load (local.get $b)) (local.get $h0) (local.get $h1)))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $tl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; ToCo's fusion of one class at one scale: out[y, x] = (first ? 0 : out[y, x]) + ReLU(max(d, m)),
  ;; where d is output row y of the CAM's resize (its resampled source rows at `hd`, as in vrows) and
  ;; m the same of the flipped CAM's, whose rows at `hm` were written reversed (hrows with rev 1): x
  ;; is then the flipped-back pixel. Plain comparisons, as tokens/cam.ts: pmax(m, d) is
  ;; `d > m ? d : m`, pmax(0, best) is `best > 0 ? best : 0`. With `first` the sum starts at +0, and
  ;; +0 + best is best (best is never -0).
  (func (export "vpair") (param $hd i32) (param $hm i32) (param $lo i32) (param $hi i32) (param $w0 i32) (param $w1 i32)
        (param $dh i32) (param $dw i32) (param $out i32) (param $first i32)
    (local $y i32) (local $x i32) (local $rowB i32) (local $td i32) (local $bd i32) (local $tm i32) (local $bm i32) (local $o i32)
    (local $dw4 i32) (local $best f32) (local $d1 f32) (local $m1 f32)
    (local $h0 f32) (local $h1 f32) (local $H0 v128) (local $H1 v128) (local $q v128) (local $tv v128) (local $d v128) (local $m v128) (local $keep v128)
    (local $pv v128) (local $err v128) (local $nz v128) (local $pl v128) (local $ph v128) (local $cl v128) (local $ch v128) (local $sl v128) (local $sh v128)
    (local.set $rowB (i32.shl (local.get $dw) (i32.const 2)))
    (local.set $dw4 (i32.and (local.get $dw) (i32.const -4)))
    ;; all ones where the sum goes on, all zeros on the first scale
    (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $first)))))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $dh)))
      (local.set $h0 (f32.load (i32.add (local.get $w0) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $h1 (f32.load (i32.add (local.get $w1) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $H0 (f64x2.splat (f64.promote_f32 (local.get $h0))))
      (local.set $H1 (f32x4.splat (local.get $h1)))
      (local.set $td (i32.mul (i32.load (i32.add (local.get $lo) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB)))
      (local.set $bd (i32.mul (i32.load (i32.add (local.get $hi) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB)))
      (local.set $tm (i32.add (local.get $hm) (local.get $td)))
      (local.set $bm (i32.add (local.get $hm) (local.get $bd)))
      (local.set $td (i32.add (local.get $hd) (local.get $td)))
      (local.set $bd (i32.add (local.get $hd) (local.get $bd)))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $rowB))))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x) (local.get $dw4)))
        ;; the CAM's row
        (local.set $q (f32x4.mul (v128.load (local.get $bd)) (local.get $H1)))
        (local.set $tv (v128.load (local.get $td)))
        (local.set $pl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $tv)) (local.get $H0)))
        (local.set $ph (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))) (local.get $H0)))
        (local.set $cl (f64x2.promote_low_f32x4 (local.get $q)))
        (local.set $ch (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
        (local.set $sl (f64x2.add (local.get $pl) (local.get $cl)))
        (local.set $pv (f64x2.sub (local.get $sl) (local.get $cl)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $pl) (local.get $pv)) (f64x2.sub (local.get $cl) (f64x2.sub (local.get $sl) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sl (v128.or
          (i64x2.add (local.get $sl) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sl)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $sh (f64x2.add (local.get $ph) (local.get $ch)))
        (local.set $pv (f64x2.sub (local.get $sh) (local.get $ch)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $ph) (local.get $pv)) (f64x2.sub (local.get $ch) (f64x2.sub (local.get $sh) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sh (v128.or
          (i64x2.add (local.get $sh) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sh)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $d (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                        (f32x4.demote_f64x2_zero (local.get $sl)) (f32x4.demote_f64x2_zero (local.get $sh))))
        ;; the flipped CAM's row, flipped back
        (local.set $q (f32x4.mul (v128.load (local.get $bm)) (local.get $H1)))
        (local.set $tv (v128.load (local.get $tm)))
        (local.set $pl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $tv)) (local.get $H0)))
        (local.set $ph (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))) (local.get $H0)))
        (local.set $cl (f64x2.promote_low_f32x4 (local.get $q)))
        (local.set $ch (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
        (local.set $sl (f64x2.add (local.get $pl) (local.get $cl)))
        (local.set $pv (f64x2.sub (local.get $sl) (local.get $cl)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $pl) (local.get $pv)) (f64x2.sub (local.get $cl) (f64x2.sub (local.get $sl) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sl (v128.or
          (i64x2.add (local.get $sl) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sl)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $sh (f64x2.add (local.get $ph) (local.get $ch)))
        (local.set $pv (f64x2.sub (local.get $sh) (local.get $ch)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $ph) (local.get $pv)) (f64x2.sub (local.get $ch) (f64x2.sub (local.get $sh) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sh (v128.or
          (i64x2.add (local.get $sh) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sh)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $m (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                        (f32x4.demote_f64x2_zero (local.get $sl)) (f32x4.demote_f64x2_zero (local.get $sh))))
        (v128.store (local.get $o) (f32x4.add (v128.and (v128.load (local.get $o)) (local.get $keep))
          (f32x4.pmax (v128.const f32x4 0 0 0 0) (f32x4.pmax (local.get $m) (local.get $d)))))
        (local.set $td (i32.add (local.get $td) (i32.const 16)))
        (local.set $bd (i32.add (local.get $bd) (i32.const 16)))
        (local.set $tm (i32.add (local.get $tm) (i32.const 16)))
        (local.set $bm (i32.add (local.get $bm) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $xl)))
      (block $tdone (loop $tl
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $dw)))
        (local.set $d1 (call $lerp (f32.load (local.get $td)) (f32.load (local.get $bd)) (local.get $h0) (local.get $h1)))
        (local.set $m1 (call $lerp (f32.load (local.get $tm)) (f32.load (local.get $bm)) (local.get $h0) (local.get $h1)))
        (local.set $best (select (local.get $d1) (local.get $m1) (f32.gt (local.get $d1) (local.get $m1))))
        (local.set $best (select (local.get $best) (f32.const 0) (f32.gt (local.get $best) (f32.const 0))))
        (f32.store (local.get $o)
          (f32.add (select (f32.const 0) (f32.load (local.get $o)) (local.get $first)) (local.get $best)))
        (local.set $td (i32.add (local.get $td) (i32.const 4)))
        (local.set $bd (i32.add (local.get $bd) (i32.const 4)))
        (local.set $tm (i32.add (local.get $tm) (i32.const 4)))
        (local.set $bm (i32.add (local.get $bm) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $tl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; The same fusion without a flip (params.flip false): out[y, x] = (first ? 0 : out[y, x]) + ReLU(d),
  ;; d as in vpair; ReLU is `d > 0 ? d : 0`.
  (func (export "vone") (param $hd i32) (param $lo i32) (param $hi i32) (param $w0 i32) (param $w1 i32)
        (param $dh i32) (param $dw i32) (param $out i32) (param $first i32)
    (local $y i32) (local $x i32) (local $rowB i32) (local $td i32) (local $bd i32) (local $o i32)
    (local $dw4 i32) (local $best f32) (local $d1 f32)
    (local $h0 f32) (local $h1 f32) (local $H0 v128) (local $H1 v128) (local $q v128) (local $tv v128) (local $d v128) (local $keep v128)
    (local $pv v128) (local $err v128) (local $nz v128) (local $pl v128) (local $ph v128) (local $cl v128) (local $ch v128) (local $sl v128) (local $sh v128)
    (local.set $rowB (i32.shl (local.get $dw) (i32.const 2)))
    (local.set $dw4 (i32.and (local.get $dw) (i32.const -4)))
    ;; all ones where the sum goes on, all zeros on the first scale
    (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $first)))))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $dh)))
      (local.set $h0 (f32.load (i32.add (local.get $w0) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $h1 (f32.load (i32.add (local.get $w1) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $H0 (f64x2.splat (f64.promote_f32 (local.get $h0))))
      (local.set $H1 (f32x4.splat (local.get $h1)))
      (local.set $td (i32.mul (i32.load (i32.add (local.get $lo) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB)))
      (local.set $bd (i32.mul (i32.load (i32.add (local.get $hi) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB)))
      (local.set $td (i32.add (local.get $hd) (local.get $td)))
      (local.set $bd (i32.add (local.get $hd) (local.get $bd)))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $rowB))))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x) (local.get $dw4)))
        ;; the CAM's row
        (local.set $q (f32x4.mul (v128.load (local.get $bd)) (local.get $H1)))
        (local.set $tv (v128.load (local.get $td)))
        (local.set $pl (f64x2.mul (f64x2.promote_low_f32x4 (local.get $tv)) (local.get $H0)))
        (local.set $ph (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))) (local.get $H0)))
        (local.set $cl (f64x2.promote_low_f32x4 (local.get $q)))
        (local.set $ch (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
        (local.set $sl (f64x2.add (local.get $pl) (local.get $cl)))
        (local.set $pv (f64x2.sub (local.get $sl) (local.get $cl)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $pl) (local.get $pv)) (f64x2.sub (local.get $cl) (f64x2.sub (local.get $sl) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sl (v128.or
          (i64x2.add (local.get $sl) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sl)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $sh (f64x2.add (local.get $ph) (local.get $ch)))
        (local.set $pv (f64x2.sub (local.get $sh) (local.get $ch)))
        (local.set $err (f64x2.add (f64x2.sub (local.get $ph) (local.get $pv)) (f64x2.sub (local.get $ch) (f64x2.sub (local.get $sh) (local.get $pv)))))
        (local.set $nz (f64x2.ne (local.get $err) (v128.const f64x2 0 0)))
        (local.set $sh (v128.or
          (i64x2.add (local.get $sh) (v128.and (local.get $nz) (i64x2.shr_s (v128.xor (local.get $err) (local.get $sh)) (i32.const 63))))
          (v128.and (local.get $nz) (v128.const i64x2 1 1))))
        (local.set $d (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                        (f32x4.demote_f64x2_zero (local.get $sl)) (f32x4.demote_f64x2_zero (local.get $sh))))
        (v128.store (local.get $o) (f32x4.add (v128.and (v128.load (local.get $o)) (local.get $keep))
          (f32x4.pmax (v128.const f32x4 0 0 0 0) (local.get $d))))
        (local.set $td (i32.add (local.get $td) (i32.const 16)))
        (local.set $bd (i32.add (local.get $bd) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $xl)))
      (block $tdone (loop $tl
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $dw)))
        (local.set $d1 (call $lerp (f32.load (local.get $td)) (f32.load (local.get $bd)) (local.get $h0) (local.get $h1)))
        (local.set $best (select (local.get $d1) (f32.const 0) (f32.gt (local.get $d1) (f32.const 0))))
        (f32.store (local.get $o)
          (f32.add (select (f32.const 0) (f32.load (local.get $o)) (local.get $first)) (local.get $best)))
        (local.set $td (i32.add (local.get $td) (i32.const 4)))
        (local.set $bd (i32.add (local.get $bd) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $tl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; torch's channels-last kernel (one-channel maps: interpolate.ts channelsLastRow), the columns
  ;; gathered first: for each of the `n` row indices listed at `rows`, g0 row y (dw values at
  ;; g0 + y*dw*4) = src row y at columns lo[x], and g1 the same at hi[x].
  (func (export "gather2") (param $src i32) (param $sw i32) (param $rows i32) (param $n i32)
        (param $lo i32) (param $hi i32) (param $dw i32) (param $g0 i32) (param $g1 i32)
    (local $r i32) (local $s i32) (local $o i32) (local $x4 i32) (local $end i32)
    (block $done (loop $rowl
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $o (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $s (i32.add (local.get $src) (i32.shl (i32.mul (local.get $o) (local.get $sw)) (i32.const 2))))
      (local.set $o (i32.shl (i32.mul (local.get $o) (local.get $dw)) (i32.const 2)))
      (local.set $x4 (i32.const 0))
      (local.set $end (i32.shl (local.get $dw) (i32.const 2)))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x4) (local.get $end)))
        (f32.store (i32.add (i32.add (local.get $g0) (local.get $o)) (local.get $x4))
          (f32.load (i32.add (local.get $s) (i32.shl (i32.load (i32.add (local.get $lo) (local.get $x4))) (i32.const 2)))))
        (f32.store (i32.add (i32.add (local.get $g1) (local.get $o)) (local.get $x4))
          (f32.load (i32.add (local.get $s) (i32.shl (i32.load (i32.add (local.get $hi) (local.get $x4))) (i32.const 2)))))
        (local.set $x4 (i32.add (local.get $x4) (i32.const 4)))
        (br $xl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowl))))

  ;; One output value of the channels-last kernel: t0*f32(h0*w0) + t1*f32(h0*w1) + b0*f32(h1*w0)
  ;; + b1*f32(h1*w1), products and sums in double in that order, rounded once to float32 (as the
  ;; JavaScript computes it and a Float32Array stores it).
  (func $cl1 (param $t0 f32) (param $t1 f32) (param $b0 f32) (param $b1 f32) (param $h0 f32) (param $h1 f32) (param $w0 f32) (param $w1 f32) (result f32)
    (f32.demote_f64
      (f64.add (f64.add (f64.add
        (f64.mul (f64.promote_f32 (local.get $t0)) (f64.promote_f32 (f32.mul (local.get $h0) (local.get $w0))))
        (f64.mul (f64.promote_f32 (local.get $t1)) (f64.promote_f32 (f32.mul (local.get $h0) (local.get $w1)))))
        (f64.mul (f64.promote_f32 (local.get $b0)) (f64.promote_f32 (f32.mul (local.get $h1) (local.get $w0)))))
        (f64.mul (f64.promote_f32 (local.get $b1)) (f64.promote_f32 (f32.mul (local.get $h1) (local.get $w1)))))))

  ;; The channels-last resize of a one-channel map, thresholded (interpolate.ts bilinearResizeAbove):
  ;; out byte (y, x) = 1 where the resized float32 value is > thr, else 0. The gathered rows at g0, g1
  ;; (gather2), the row taps lo/hi (int32) and h0/h1 (float32) per output row, the column weights w0/w1
  ;; per output column. `thr` is the largest float32 at or below the caller's threshold, so v > thr
  ;; in float32 is v > threshold in double for every float32 v.
  (func (export "cl1above") (param $g0 i32) (param $g1 i32) (param $lo i32) (param $hi i32) (param $rh0 i32) (param $rh1 i32)
        (param $w0 i32) (param $w1 i32) (param $dh i32) (param $dw i32) (param $thr f32) (param $out i32)
    (local $y i32) (local $x4 i32) (local $rowB i32) (local $dw4 i32) (local $t i32) (local $b i32) (local $o i32)
    (local $h0 f32) (local $h1 f32) (local $H0 v128) (local $H1 v128) (local $W0 v128) (local $W1 v128) (local $T v128)
    (local $p00 v128) (local $p01 v128) (local $p10 v128) (local $p11 v128) (local $lo2 v128) (local $hi2 v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $c0 v128) (local $c1 v128)
    (local.set $rowB (i32.shl (local.get $dw) (i32.const 2)))
    (local.set $dw4 (i32.shl (i32.and (local.get $dw) (i32.const -4)) (i32.const 2)))
    (local.set $T (f32x4.splat (local.get $thr)))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $dh)))
      (local.set $h0 (f32.load (i32.add (local.get $rh0) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $h1 (f32.load (i32.add (local.get $rh1) (i32.shl (local.get $y) (i32.const 2)))))
      (local.set $H0 (f32x4.splat (local.get $h0)))
      (local.set $H1 (f32x4.splat (local.get $h1)))
      (local.set $t (i32.mul (i32.load (i32.add (local.get $lo) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB)))
      (local.set $b (i32.mul (i32.load (i32.add (local.get $hi) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowB)))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $dw))))
      (local.set $x4 (i32.const 0))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x4) (local.get $dw4)))
        (local.set $W0 (v128.load (i32.add (local.get $w0) (local.get $x4))))
        (local.set $W1 (v128.load (i32.add (local.get $w1) (local.get $x4))))
        ;; the four weight products, float32 (Math.fround(h * w))
        (local.set $p00 (f32x4.mul (local.get $H0) (local.get $W0)))
        (local.set $p01 (f32x4.mul (local.get $H0) (local.get $W1)))
        (local.set $p10 (f32x4.mul (local.get $H1) (local.get $W0)))
        (local.set $p11 (f32x4.mul (local.get $H1) (local.get $W1)))
        (local.set $a0 (v128.load (i32.add (i32.add (local.get $g0) (local.get $t)) (local.get $x4))))
        (local.set $a1 (v128.load (i32.add (i32.add (local.get $g1) (local.get $t)) (local.get $x4))))
        (local.set $c0 (v128.load (i32.add (i32.add (local.get $g0) (local.get $b)) (local.get $x4))))
        (local.set $c1 (v128.load (i32.add (i32.add (local.get $g1) (local.get $b)) (local.get $x4))))
        ;; lanes 0 and 1 in doubles
        (local.set $lo2 (f32x4.demote_f64x2_zero
          (f64x2.add (f64x2.add (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a0)) (f64x2.promote_low_f32x4 (local.get $p00)))
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a1)) (f64x2.promote_low_f32x4 (local.get $p01))))
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $c0)) (f64x2.promote_low_f32x4 (local.get $p10))))
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $c1)) (f64x2.promote_low_f32x4 (local.get $p11))))))
        ;; lanes 2 and 3: the high halves moved down
        (local.set $a0 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a0) (local.get $a0)))
        (local.set $a1 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a1) (local.get $a1)))
        (local.set $c0 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c0) (local.get $c0)))
        (local.set $c1 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c1) (local.get $c1)))
        (local.set $p00 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p00) (local.get $p00)))
        (local.set $p01 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p01) (local.get $p01)))
        (local.set $p10 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p10) (local.get $p10)))
        (local.set $p11 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p11) (local.get $p11)))
        (local.set $hi2 (f32x4.demote_f64x2_zero
          (f64x2.add (f64x2.add (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a0)) (f64x2.promote_low_f32x4 (local.get $p00)))
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a1)) (f64x2.promote_low_f32x4 (local.get $p01))))
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $c0)) (f64x2.promote_low_f32x4 (local.get $p10))))
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $c1)) (f64x2.promote_low_f32x4 (local.get $p11))))))
        (local.set $lo2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo2) (local.get $hi2)))
        (local.set $v (f32x4.gt (local.get $lo2) (local.get $T)))
        ;; lanes of all ones -> bytes of 1
        (i32.store (i32.add (local.get $o) (i32.shr_u (local.get $x4) (i32.const 2)))
          (i32x4.extract_lane 0 (v128.and (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)) (local.get $v))
                                          (v128.const i32x4 0x01010101 0 0 0))))
        (local.set $x4 (i32.add (local.get $x4) (i32.const 16)))
        (br $xl)))
      (block $tdone (loop $tl
        (br_if $tdone (i32.ge_u (local.get $x4) (local.get $rowB)))
        (i32.store8 (i32.add (local.get $o) (i32.shr_u (local.get $x4) (i32.const 2)))
          (f32.gt
            (call $cl1
              (f32.load (i32.add (i32.add (local.get $g0) (local.get $t)) (local.get $x4)))
              (f32.load (i32.add (i32.add (local.get $g1) (local.get $t)) (local.get $x4)))
              (f32.load (i32.add (i32.add (local.get $g0) (local.get $b)) (local.get $x4)))
              (f32.load (i32.add (i32.add (local.get $g1) (local.get $b)) (local.get $x4)))
              (local.get $h0) (local.get $h1)
              (f32.load (i32.add (local.get $w0) (local.get $x4)))
              (f32.load (i32.add (local.get $w1) (local.get $x4))))
            (local.get $thr)))
        (local.set $x4 (i32.add (local.get $x4) (i32.const 4)))
        (br $tl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl))))

  ;; ToCo's per-class min-max of one plane of n values in place (tokens/cam.ts normalizeCamPerClass):
  ;; float32(float32(v - min) / (float32(max - min) + float32(1e-5))). The JavaScript takes min and max
  ;; with plain comparisons in index order, which skip NaN; SIMD min/max give the same values unless the
  ;; plane holds a NaN, or a -0 (min's sign could differ, and it shows in `v - min` for v = -0): such a
  ;; plane takes the scalar loop.
  (func (export "normalize") (param $p i32) (param $n i32)
    (local $i i32) (local $v f32) (local $min f32) (local $top f32) (local $den f32) (local $MIN v128) (local $DEN v128)
    (local $end i32) (local $end4 i32) (local $vmin v128) (local $vmax v128) (local $negz v128) (local $x v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $vmin (v128.const f32x4 inf inf inf inf))
    (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $i (local.get $p))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $x (v128.load (local.get $i)))
      (local.set $vmin (f32x4.min (local.get $vmin) (local.get $x)))
      (local.set $vmax (f32x4.max (local.get $vmax) (local.get $x)))
      (local.set $negz (v128.or (local.get $negz) (v128.or (i32x4.eq (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
                                                        (f32x4.ne (local.get $x) (local.get $x)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l0)))
    (local.set $min (f32.min (f32.min (f32x4.extract_lane 0 (local.get $vmin)) (f32x4.extract_lane 1 (local.get $vmin)))
                             (f32.min (f32x4.extract_lane 2 (local.get $vmin)) (f32x4.extract_lane 3 (local.get $vmin)))))
    (local.set $top (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax)))
                             (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $v (f32.load (local.get $i)))
      (local.set $min (f32.min (local.get $min) (local.get $v)))
      (local.set $top (f32.max (local.get $top) (local.get $v)))
      (if (i32.or (i32.eq (i32.reinterpret_f32 (local.get $v)) (i32.const 0x80000000)) (f32.ne (local.get $v) (local.get $v))) (then (local.set $negz (v128.const i32x4 -1 -1 -1 -1))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1)))
    (if (v128.any_true (local.get $negz))
      (then
        (local.set $min (f32.const inf))
        (local.set $top (f32.const -inf))
        (local.set $i (local.get $p))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $i) (local.get $end)))
          (local.set $v (f32.load (local.get $i)))
          (if (f32.lt (local.get $v) (local.get $min)) (then (local.set $min (local.get $v))))
          (if (f32.gt (local.get $v) (local.get $top)) (then (local.set $top (local.get $v))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $l2)))))
    (local.set $den (f32.add (f32.sub (local.get $top) (local.get $min)) (f32.const 0x1.4f8b58p-17)))
    (local.set $MIN (f32x4.splat (local.get $min)))
    (local.set $DEN (f32x4.splat (local.get $den)))
    (local.set $i (local.get $p))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (local.get $i) (local.get $end4)))
      (v128.store (local.get $i) (f32x4.div (f32x4.sub (v128.load (local.get $i)) (local.get $MIN)) (local.get $DEN)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l3)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $end)))
      (f32.store (local.get $i) (f32.div (f32.sub (f32.load (local.get $i)) (local.get $min)) (local.get $den)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l4)))))
