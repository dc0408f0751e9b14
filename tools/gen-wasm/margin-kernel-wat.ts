/**
 * The WebAssembly text of the `complete` margin kernel (see `wasm-kernel.ts`), generated here
 * so the eight interleaved rows are written once. `npm run gen:wasm` assembles it with `wabt`
 * into `margin-kernel-wasm.ts`; a test checks the two still match.
 *
 * `block(nt, nb, trees, xb, rowBytes, mb, k4)` adds every tree's leaf to the float32 margins of
 * `nb` rows:
 * - `trees`: `nt` records of four i32: byte address of heap node 0, of leaf 0, the depth, and
 *   the byte offset of the tree's output in a margin row;
 * - a node is 8 bytes: the byte offset of its feature in a block row (`x` then `-x`), then the
 *   float32 threshold (`v > cond` takes the second child; NaN never does);
 * - `xb`: the rows, `rowBytes` apart; `mb`: their margins, `k4` bytes apart.
 * Like the JavaScript kernel, eight rows walk a tree together (independent chains of loads).
 */

/** Rows walking a tree together. */
const ROWS = 8;

const get = (name: string): string => `(local.get $${name})`;

/** One step of row `j`: `n = 2n + (xb[o + F[n]] > C[n])`. */
function step(j: string): string {
  return `(local.set $p (i32.add ${get('nodeBase')} (i32.shl ${get(`n${j}`)} (i32.const 3))))
          (local.set $n${j} (i32.add (i32.shl ${get(`n${j}`)} (i32.const 1))
            (f32.gt (f32.load (i32.add ${get(`o${j}`)} (i32.load ${get('p')})))
                    (f32.load offset=4 ${get('p')}))))`;
}

/** Adds row `j`'s leaf to its margin and moves to the next row's margin. */
function addLeaf(j: string): string {
  return `(f32.store ${get('mi')} (f32.add (f32.load ${get('mi')})
          (f32.load (i32.add ${get('leafBase')} (i32.shl ${get(`n${j}`)} (i32.const 2))))))
        (local.set $mi (i32.add ${get('mi')} ${get('k4')}))`;
}

export function marginKernelWat(): string {
  const rows = Array.from({ length: ROWS }, (_, j) => String(j));
  return `(module
  (import "env" "memory" (memory 1))
  (func (export "block")
    (param $nt i32) (param $nb i32) (param $trees i32) (param $xb i32)
    (param $rowBytes i32) (param $mb i32) (param $k4 i32)
    (local $ti i32) (local $rec i32) (local $nodeBase i32) (local $leafBase i32)
    (local $dep i32) (local $mi i32) (local $r i32) (local $d i32) (local $p i32)
    ${rows.map((j) => `(local $o${j} i32) (local $n${j} i32)`).join(' ')}
    (local $o i32) (local $n i32)
    (block $treesDone (loop $trees
      (br_if $treesDone (i32.ge_u ${get('ti')} ${get('nt')}))
      (local.set $rec (i32.add ${get('trees')} (i32.shl ${get('ti')} (i32.const 4))))
      (local.set $nodeBase (i32.load ${get('rec')}))
      (local.set $leafBase (i32.load offset=4 ${get('rec')}))
      (local.set $dep (i32.load offset=8 ${get('rec')}))
      (local.set $mi (i32.add ${get('mb')} (i32.load offset=12 ${get('rec')})))
      (local.set $r (i32.const 0))
      (block $groupsDone (loop $groups
        (br_if $groupsDone (i32.gt_s (i32.add ${get('r')} (i32.const ${ROWS})) ${get('nb')}))
        (local.set $o0 (i32.add ${get('xb')} (i32.mul ${get('r')} ${get('rowBytes')})))
        ${rows
          .slice(1)
          .map((j) => `(local.set $o${j} (i32.add ${get(`o${Number(j) - 1}`)} ${get('rowBytes')}))`)
          .join('\n        ')}
        ${rows.map((j) => `(local.set $n${j} (i32.const 1))`).join(' ')}
        (local.set $d ${get('dep')})
        (block $stepsDone (loop $steps
          (br_if $stepsDone (i32.eqz ${get('d')}))
          ${rows.map(step).join('\n          ')}
          (local.set $d (i32.sub ${get('d')} (i32.const 1)))
          (br $steps)))
        ${rows.map(addLeaf).join('\n        ')}
        (local.set $r (i32.add ${get('r')} (i32.const ${ROWS})))
        (br $groups)))
      (block $restDone (loop $rest
        (br_if $restDone (i32.ge_s ${get('r')} ${get('nb')}))
        (local.set $o (i32.add ${get('xb')} (i32.mul ${get('r')} ${get('rowBytes')})))
        (local.set $n (i32.const 1))
        (local.set $d ${get('dep')})
        (block $restStepsDone (loop $restSteps
          (br_if $restStepsDone (i32.eqz ${get('d')}))
          ${step('')}
          (local.set $d (i32.sub ${get('d')} (i32.const 1)))
          (br $restSteps)))
        ${addLeaf('')}
        (local.set $r (i32.add ${get('r')} (i32.const 1)))
        (br $rest)))
      (local.set $ti (i32.add ${get('ti')} (i32.const 1)))
      (br $trees)))))
`;
}
