;; CompleteTrees.sumRows (tree-layouts.ts) in WebAssembly: the same walk over the same padded trees,
;; the same additions in the same order, so the same bits. `npm run wasm` compiles this file into
;; trees-wasm.ts; a test checks that the two agree.
;;
;; Why: the walk is a chain of dependent loads (node -> feature -> row value -> compare -> child).
;; Compiled from JavaScript, every typed-array access also pays a bounds check and the comparison a
;; conversion; here the memory is bounds-checked by the engine's guard pages, and two rows are walked
;; at once (eight chains in flight instead of four). `npm run bench` prints both walks in 64-row lots:
;; 2.0x for the Isolation Forest (1.82 -> 0.91 us a row) and 1.9x for the Random Forest (0.64 -> 0.33).
;;
;; Memory (byte addresses, laid out by wasm-trees.ts):
;;   nodes: per padded internal node 16 bytes: f64 threshold, then i32 its feature's byte offset in a
;;          row (padding nodes: threshold +Infinity, feature 0, so the walk goes left);
;;   leaves: f64 per leaf;
;;   groups: per group of four trees (then per single tree) three i32: first node, first leaf, depth;
;;   rows: f64, `stride` bytes apart; out: f64 per row.
(module
  (import "env" "memory" (memory 1))

  (func (export "sumRows")
    (param $rows i32) (param $x i32) (param $stride i32) (param $out i32)
    (param $nodes i32) (param $leaves i32) (param $groups i32) (param $nGroups i32) (param $nAll i32)
    (local $g i32) (local $gp i32) (local $depth i32) (local $size i32) (local $k i32) (local $r i32)
    (local $ta i32) (local $tb i32) (local $tc i32) (local $td i32) ;; each tree's first node (byte address)
    (local $lb i32) (local $span i32)                                 ;; the group's first leaf, a tree's leaf bytes
    (local $o0 i32) (local $o1 i32) (local $op i32)                   ;; two rows, their out slot
    (local $a0 i32) (local $b0 i32) (local $c0 i32) (local $d0 i32)   ;; row 0's position in each tree
    (local $a1 i32) (local $b1 i32) (local $c1 i32) (local $d1 i32)   ;; row 1's

    ;; out[0..rows) = 0
    (local.set $r (i32.const 0))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $r) (local.get $rows)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (f64.const 0))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $zero)))

    ;; Groups of four trees. A step at position p: p = 2p + 1 + (row[feature] > threshold).
    (local.set $g (i32.const 0))
    (block $groupsDone (loop $group
      (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $nGroups)))
      (local.set $gp (i32.add (local.get $groups) (i32.mul (local.get $g) (i32.const 12))))
      (local.set $depth (i32.load offset=8 (local.get $gp)))
      (local.set $size (i32.sub (i32.shl (i32.const 1) (local.get $depth)) (i32.const 1)))
      (local.set $ta (i32.add (local.get $nodes) (i32.shl (i32.load (local.get $gp)) (i32.const 4))))
      (local.set $tb (i32.add (local.get $ta) (i32.shl (local.get $size) (i32.const 4))))
      (local.set $tc (i32.add (local.get $tb) (i32.shl (local.get $size) (i32.const 4))))
      (local.set $td (i32.add (local.get $tc) (i32.shl (local.get $size) (i32.const 4))))
      ;; leaf of position p (size <= p < 2 size + 1) of tree j: leaves[first leaf + j (size + 1) + p - size]
      (local.set $lb (i32.add (local.get $leaves)
        (i32.shl (i32.sub (i32.load offset=4 (local.get $gp)) (local.get $size)) (i32.const 3))))
      (local.set $span (i32.shl (i32.add (local.get $size) (i32.const 1)) (i32.const 3)))
      (local.set $r (i32.const 0))
      (local.set $o0 (local.get $x))
      (local.set $op (local.get $out))

      ;; two rows at a time
      (block $pairsDone (loop $pair
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)))
        (local.set $o1 (i32.add (local.get $o0) (local.get $stride)))
        (local.set $a0 (i32.const 0)) (local.set $b0 (i32.const 0)) (local.set $c0 (i32.const 0)) (local.set $d0 (i32.const 0))
        (local.set $a1 (i32.const 0)) (local.set $b1 (i32.const 0)) (local.set $c1 (i32.const 0)) (local.set $d1 (i32.const 0))
        (local.set $k (local.get $depth))
        (block $walked (loop $step
          (br_if $walked (i32.eqz (local.get $k)))
          (local.set $a0 (call $next (local.get $a0) (local.get $ta) (local.get $o0)))
          (local.set $b0 (call $next (local.get $b0) (local.get $tb) (local.get $o0)))
          (local.set $c0 (call $next (local.get $c0) (local.get $tc) (local.get $o0)))
          (local.set $d0 (call $next (local.get $d0) (local.get $td) (local.get $o0)))
          (local.set $a1 (call $next (local.get $a1) (local.get $ta) (local.get $o1)))
          (local.set $b1 (call $next (local.get $b1) (local.get $tb) (local.get $o1)))
          (local.set $c1 (call $next (local.get $c1) (local.get $tc) (local.get $o1)))
          (local.set $d1 (call $next (local.get $d1) (local.get $td) (local.get $o1)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $step)))
        (f64.store (local.get $op) (f64.add (f64.load (local.get $op))
          (call $leaves4 (local.get $lb) (local.get $span) (local.get $a0) (local.get $b0) (local.get $c0) (local.get $d0))))
        (f64.store offset=8 (local.get $op) (f64.add (f64.load offset=8 (local.get $op))
          (call $leaves4 (local.get $lb) (local.get $span) (local.get $a1) (local.get $b1) (local.get $c1) (local.get $d1))))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (local.set $o0 (i32.add (local.get $o1) (local.get $stride)))
        (local.set $op (i32.add (local.get $op) (i32.const 16)))
        (br $pair)))

      ;; the last row of an odd count
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $a0 (i32.const 0)) (local.set $b0 (i32.const 0)) (local.set $c0 (i32.const 0)) (local.set $d0 (i32.const 0))
        (local.set $k (local.get $depth))
        (block $walked1 (loop $step1
          (br_if $walked1 (i32.eqz (local.get $k)))
          (local.set $a0 (call $next (local.get $a0) (local.get $ta) (local.get $o0)))
          (local.set $b0 (call $next (local.get $b0) (local.get $tb) (local.get $o0)))
          (local.set $c0 (call $next (local.get $c0) (local.get $tc) (local.get $o0)))
          (local.set $d0 (call $next (local.get $d0) (local.get $td) (local.get $o0)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $step1)))
        (f64.store (local.get $op) (f64.add (f64.load (local.get $op))
          (call $leaves4 (local.get $lb) (local.get $span) (local.get $a0) (local.get $b0) (local.get $c0) (local.get $d0))))))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $group)))

    ;; The trees after the last group of four, one at a time.
    (block $singlesDone (loop $single
      (br_if $singlesDone (i32.ge_u (local.get $g) (local.get $nAll)))
      (local.set $gp (i32.add (local.get $groups) (i32.mul (local.get $g) (i32.const 12))))
      (local.set $depth (i32.load offset=8 (local.get $gp)))
      (local.set $size (i32.sub (i32.shl (i32.const 1) (local.get $depth)) (i32.const 1)))
      (local.set $ta (i32.add (local.get $nodes) (i32.shl (i32.load (local.get $gp)) (i32.const 4))))
      (local.set $lb (i32.add (local.get $leaves)
        (i32.shl (i32.sub (i32.load offset=4 (local.get $gp)) (local.get $size)) (i32.const 3))))
      (local.set $r (i32.const 0))
      (local.set $o0 (local.get $x))
      (local.set $op (local.get $out))
      (block $rowsDone (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a0 (i32.const 0))
        (local.set $k (local.get $depth))
        (block $walked2 (loop $step2
          (br_if $walked2 (i32.eqz (local.get $k)))
          (local.set $a0 (call $next (local.get $a0) (local.get $ta) (local.get $o0)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br $step2)))
        (f64.store (local.get $op) (f64.add (f64.load (local.get $op))
          (f64.load (i32.add (local.get $lb) (i32.shl (local.get $a0) (i32.const 3))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $o0 (i32.add (local.get $o0) (local.get $stride)))
        (local.set $op (i32.add (local.get $op) (i32.const 8)))
        (br $row)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $single))))

  ;; One step down a tree: position p of the tree at `tree` for the row at `row`.
  (func $next (param $p i32) (param $tree i32) (param $row i32) (result i32)
    (local $node i32)
    (local.set $node (i32.add (local.get $tree) (i32.shl (local.get $p) (i32.const 4))))
    (i32.add (i32.add (i32.shl (local.get $p) (i32.const 1)) (i32.const 1))
      (f64.gt (f64.load (i32.add (local.get $row) (i32.load offset=8 (local.get $node))))
              (f64.load (local.get $node)))))

  ;; The leaves at positions a, b, c, d of a group's four trees, added as the JavaScript adds them:
  ;; ((a + b) + c) + d.
  (func $leaves4 (param $lb i32) (param $span i32) (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result f64)
    (f64.add (f64.add (f64.add
      (f64.load (i32.add (local.get $lb) (i32.shl (local.get $a) (i32.const 3))))
      (f64.load (i32.add (i32.add (local.get $lb) (local.get $span)) (i32.shl (local.get $b) (i32.const 3)))))
      (f64.load (i32.add (i32.add (local.get $lb) (i32.shl (local.get $span) (i32.const 1))) (i32.shl (local.get $c) (i32.const 3)))))
      (f64.load (i32.add (i32.add (local.get $lb) (i32.mul (local.get $span) (i32.const 3))) (i32.shl (local.get $d) (i32.const 3))))))
)
